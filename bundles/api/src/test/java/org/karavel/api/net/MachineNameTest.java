package org.karavel.api.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class MachineNameTest {
    @Test
    void anAddressWrittenAsTextIsNotAName() {
        assertThat(MachineName.isHostName("mx.example.org")).isTrue();
        assertThat(MachineName.isHostName("localhost")).isTrue();
        assertThat(MachineName.isHostName("host-1.example")).isTrue();
        assertThat(MachineName.isHostName("192.0.2.1")).isFalse();
        assertThat(MachineName.isHostName("2001:db8::a")).isFalse();
        assertThat(MachineName.isHostName("fe80::1%eth0")).isFalse();
        assertThat(MachineName.isHostName("")).isFalse();
        assertThat(MachineName.isHostName(null)).isFalse();
    }

    @Test
    void addressLiteralsAreWrittenAsRfc5321Wants() throws Exception {
        assertThat(MachineName.addressLiteral(InetAddress.getByName("192.0.2.1")))
                .isEqualTo("[192.0.2.1]");
        assertThat(MachineName.addressLiteral(InetAddress.getByName("2001:db8::1")))
                .isEqualTo("[IPv6:2001:db8:0:0:0:0:0:1]");
        assertThat(MachineName.addressLiteral(InetAddress.getByName("fe80::1%1")))
                .isEqualTo("[IPv6:fe80:0:0:0:0:0:0:1]");
    }

    @Test
    void thisMachineGreetsWithItsNameOrAnAddressLiteral() {
        String greeting = MachineName.forSmtp();
        // on any machine: a DNS name, or a bracketed address literal
        assertThat(greeting).matches("[A-Za-z0-9.-]*[A-Za-z][A-Za-z0-9.-]*|\\[(IPv6:)?[0-9A-Fa-f:.]+\\]");
        MachineName.canonical().ifPresent(name -> assertThat(greeting).isEqualTo(name));
    }
}
