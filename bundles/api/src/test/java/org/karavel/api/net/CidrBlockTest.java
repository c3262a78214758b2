package org.karavel.api.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrBlockTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void ipv4Networks() throws Exception {
        CidrBlock loopback = CidrBlock.parse("127.0.0.0/8");
        assertThat(loopback.contains(ip("127.0.0.1"))).isTrue();
        assertThat(loopback.contains(ip("127.255.255.255"))).isTrue();
        assertThat(loopback.contains(ip("128.0.0.0"))).isFalse();
        assertThat(loopback.contains(ip("126.255.255.255"))).isFalse();

        CidrBlock odd = CidrBlock.parse("192.0.2.16/28");
        assertThat(odd.contains(ip("192.0.2.15"))).isFalse();
        assertThat(odd.contains(ip("192.0.2.16"))).isTrue();
        assertThat(odd.contains(ip("192.0.2.31"))).isTrue();
        assertThat(odd.contains(ip("192.0.2.32"))).isFalse();

        CidrBlock twenty = CidrBlock.parse("10.16.0.0/12");
        assertThat(twenty.contains(ip("10.31.255.255"))).isTrue();
        assertThat(twenty.contains(ip("10.32.0.0"))).isFalse();
        assertThat(twenty.contains(ip("10.15.255.255"))).isFalse();
    }

    @Test
    void singleAddressesAndEverything() throws Exception {
        CidrBlock one = CidrBlock.parse("192.0.2.1");
        assertThat(one).isEqualTo(CidrBlock.parse("192.0.2.1/32"));
        assertThat(one.contains(ip("192.0.2.1"))).isTrue();
        assertThat(one.contains(ip("192.0.2.2"))).isFalse();

        CidrBlock all = CidrBlock.parse("0.0.0.0/0");
        assertThat(all.contains(ip("203.0.113.9"))).isTrue();
        assertThat(all.contains(ip("::1")))
                .as("an IPv4 network never holds an IPv6 address")
                .isFalse();
    }

    @Test
    void ipv6Networks() throws Exception {
        CidrBlock loopback = CidrBlock.parse("::1/128");
        assertThat(loopback.contains(ip("::1"))).isTrue();
        assertThat(loopback.contains(ip("::2"))).isFalse();
        assertThat(loopback.contains(ip("127.0.0.1"))).isFalse();
        assertThat(CidrBlock.parse("::1")).isEqualTo(loopback);

        CidrBlock doc = CidrBlock.parse("2001:db8::/32");
        assertThat(doc.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(doc.contains(ip("2001:db9::1"))).isFalse();

        CidrBlock odd = CidrBlock.parse("2001:db8:0:0:0:0:0:80/121");
        assertThat(odd.contains(ip("2001:db8::80"))).isTrue();
        assertThat(odd.contains(ip("2001:db8::ff"))).isTrue();
        assertThat(odd.contains(ip("2001:db8::7f"))).isFalse();
        assertThat(odd.contains(ip("2001:db8::100"))).isFalse();

        CidrBlock all = CidrBlock.parse("::/0");
        assertThat(all.contains(ip("fe80::1"))).isTrue();
        assertThat(all.contains(ip("10.0.0.1"))).isFalse();
    }

    @Test
    void ipv4MappedNetworkMatchesIpv4Clients() throws Exception {
        CidrBlock mapped = CidrBlock.parse("::ffff:192.0.2.0/120");
        assertThat(mapped).isEqualTo(CidrBlock.parse("192.0.2.0/24"));
        assertThat(mapped.contains(ip("192.0.2.77"))).isTrue();
        assertThat(mapped.contains(ip("::ffff:192.0.2.77")))
                .as("Java gives mapped addresses in IPv4 form")
                .isTrue();
    }

    @Test
    void unknownAddressIsInNoNetwork() {
        assertThat(CidrBlock.parse("0.0.0.0/0").contains(null)).isFalse();
    }

    @Test
    void printsItsCanonicalForm() {
        assertThat(CidrBlock.parse(" 10.0.0.0/8 ")).hasToString("10.0.0.0/8");
        assertThat(CidrBlock.parse("2001:DB8::/32").toString()).isEqualTo("2001:db8:0:0:0:0:0:0/32");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "/8",
                "10.0.0.0/",
                "10.0.0.0/33",
                "10.0.0.0/-1",
                "10.0.0.0/8/8",
                "10.0.0.1/8",
                "10.0.0",
                "10.0.0.0.0",
                "256.0.0.0/8",
                "010.0.0.0/8",
                "::/129",
                "2001:db8::1/32",
                "1:2:3:4:5:6:7:8:9",
                "mail.example.com",
                "localhost",
                "example:com",
                "zz::1",
                "::ffff:10.0.0.0/95",
                "fe80::1%eth0",
                "[::1]"
            })
    void refusesWhatIsNotANetwork(String text) {
        assertThatThrownBy(() -> CidrBlock.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theNetworkEnclosingAnAddress() throws Exception {
        assertThat(CidrBlock.enclosing(ip("2001:db8:1:2:3:4:5:6"), 64)).isEqualTo(CidrBlock.parse("2001:db8:1:2::/64"));
        assertThat(CidrBlock.enclosing(ip("192.0.2.77"), 24)).isEqualTo(CidrBlock.parse("192.0.2.0/24"));
        assertThat(CidrBlock.enclosing(ip("192.0.2.77"), 32)).isEqualTo(CidrBlock.parse("192.0.2.77"));
        assertThat(CidrBlock.enclosing(ip("192.0.2.77"), 27).contains(ip("192.0.2.95")))
                .isTrue();
        assertThatThrownBy(() -> CidrBlock.enclosing(ip("192.0.2.1"), 33)).isInstanceOf(IllegalArgumentException.class);
    }
}
