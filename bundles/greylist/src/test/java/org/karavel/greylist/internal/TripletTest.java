package org.karavel.greylist.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;

class TripletTest {
    private static MailAddress addr(String a) throws Exception {
        return MailAddress.parse(a);
    }

    @Test
    void senderIsLowerCasedAndLosesItsExtension() throws Exception {
        assertThat(Triplet.sender(addr("John.Doe+Lists@Example.ORG"))).isEqualTo("john.doe@example.org");
    }

    @Test
    void batvTagsAreStripped() throws Exception {
        assertThat(Triplet.sender(addr("prvs=1234abcdef=alice@example.org"))).isEqualTo("alice@example.org");
        assertThat(Triplet.sender(addr("PRVS=9876fedcba=Alice@example.org"))).isEqualTo("alice@example.org");
        assertThat(Triplet.sender(addr("msprvs1=19821abcde=bob@example.org"))).isEqualTo("bob@example.org");
        assertThat(Triplet.sender(addr("btv1==0123456789a==carol@example.org"))).isEqualTo("carol@example.org");
    }

    @Test
    void srsHashAndTimestampAreStripped() throws Exception {
        assertThat(Triplet.sender(addr("SRS0=HhH1=T6=origin.example=alice@forwarder.example")))
                .isEqualTo(Triplet.sender(addr("SRS0=xYz9=U2=origin.example=alice@forwarder.example")))
                .isEqualTo("srs0=origin.example=alice@forwarder.example");
    }

    @Test
    void verpNumbersBecomeHash() throws Exception {
        assertThat(Triplet.sender(addr("bounce-12345@lists.example"))).isEqualTo("bounce-#@lists.example");
        assertThat(Triplet.sender(addr("bounce-99-7@lists.example"))).isEqualTo("bounce-#-#@lists.example");
        // numbers inside a word are part of the name, as in postgrey
        assertThat(Triplet.sender(addr("user42@example.org"))).isEqualTo("user42@example.org");
    }

    @Test
    void nullSenderHasItsOwnKey() {
        assertThat(Triplet.sender(MailAddress.NULL_SENDER)).isEqualTo("<>");
    }

    @Test
    void recipientIsOnlyLowerCased() throws Exception {
        assertThat(Triplet.recipient(addr("Bob+Tag@Example.NET"))).isEqualTo("bob+tag@example.net");
    }

    @Test
    void ipv4ClientsShareTheirSlash24() throws Exception {
        assertThat(Triplet.clientNetwork(InetAddress.getByName("192.0.2.77"), 24, 64))
                .isEqualTo("192.0.2.0/24");
        assertThat(Triplet.clientNetwork(InetAddress.getByName("192.0.2.77"), 32, 64))
                .isEqualTo("192.0.2.77/32");
        assertThat(Triplet.clientNetwork(InetAddress.getByName("198.51.100.200"), 20, 64))
                .isEqualTo("198.51.96.0/20");
    }

    @Test
    void ipv6ClientsShareTheirSlash64() throws Exception {
        String a = Triplet.clientNetwork(InetAddress.getByName("2001:db8:1:2:aaaa::1"), 24, 64);
        String b = Triplet.clientNetwork(InetAddress.getByName("2001:db8:1:2:ffff:1:2:3"), 24, 64);
        String other = Triplet.clientNetwork(InetAddress.getByName("2001:db8:1:3::1"), 24, 64);
        assertThat(a).isEqualTo(b).isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(other).isNotEqualTo(a);
    }

    @Test
    void keyRoundTrips() throws Exception {
        Triplet t = Triplet.of(InetAddress.getByName("192.0.2.1"), addr("a@b.example"), addr("c@d.example"), 24, 64);
        assertThat(Triplet.fromKey(t.key())).isEqualTo(t);
        assertThatThrownBy(() -> Triplet.fromKey("no separators")).isInstanceOf(IllegalArgumentException.class);
    }
}
