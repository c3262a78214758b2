package org.karavel.dns.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsSettingsTest {
    @Test
    void serverForms() throws Exception {
        assertThat(DnsSettings.parseServer("127.0.0.1"))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 53));
        assertThat(DnsSettings.parseServer("127.0.0.1:5353"))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 5353));
        assertThat(DnsSettings.parseServer("::1")).isEqualTo(new InetSocketAddress(InetAddress.getByName("::1"), 53));
        assertThat(DnsSettings.parseServer("2001:db8::53"))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("2001:db8::53"), 53));
        assertThat(DnsSettings.parseServer("[::1]:5353"))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("::1"), 5353));
        assertThat(DnsSettings.parseServer("[::1]")).isEqualTo(new InetSocketAddress(InetAddress.getByName("::1"), 53));
    }

    @Test
    void namesAndBadPortsAreRefused() {
        assertThatThrownBy(() -> DnsSettings.parseServer("dns.example"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("IP address");
        assertThatThrownBy(() -> DnsSettings.parseServer("127.0.0.1:0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsSettings.parseServer("127.0.0.1:65536"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsSettings.parseServer("127.0.0.1:x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsSettings.parseServer("[::1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsSettings.parseServer("[::1]53")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsSettings.parseServer("300.1.1.1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void limitsAreChecked() {
        assertThatThrownBy(() -> new DnsSettings(List.of(), Duration.ZERO, 1, true, 10, 10, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DnsSettings(List.of(), Duration.ofSeconds(1), -1, true, 10, 10, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DnsSettings(List.of(), Duration.ofSeconds(1), 1, true, 0, 10, false))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
