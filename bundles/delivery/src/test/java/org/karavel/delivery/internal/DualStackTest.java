package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * Dual stack outbound: a real sink listening on [::1] only, reached through an AAAA-only MX;
 * inet_protocols = ipv4 never uses it; address_preference orders the families and a refused
 * connect falls back to the other family.
 */
class DualStackTest {
    private DeliveryFixture f;
    private SmtpSink sink6;
    private SmtpSink sink4;

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        sink6 = SmtpSink.start(InetAddress.getByName("::1"));
        sink4 = SmtpSink.start();
        // v6.test: the preferred MX has only an AAAA record (::1), the backup only an A record
        f.dns.add("v6.test", Type.MX, "10 mx6.v6.test.", 60);
        f.dns.add("mx6.v6.test", Type.AAAA, "::1", 60);
        f.dns.add("v6.test", Type.MX, "20 mx4.v6.test.", 60);
        f.dns.add("mx4.v6.test", Type.A, "127.0.0.1", 60);
        f.ports.put("mx6.v6.test", sink6.port());
        f.ports.put("mx4.v6.test", sink4.port());
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        sink6.close();
        sink4.close();
    }

    private QueuedMessage queueTo(String rcpt) {
        return f.queue("sender@sender.test", List.of(rcpt), DeliveryFixture.message("dual stack", "hello\r\n"));
    }

    @Test
    void anAaaaOnlyMxOnIpv6LoopbackGetsTheMail() {
        QueuedMessage m = queueTo("a@v6.test");
        f.start(f.settings(25).build());

        f.awaitRemoved(m.id());
        assertThat(sink6.messages()).hasSize(1);
        assertThat(sink4.connections()).isZero();
    }

    @Test
    void withIpv4OnlyTheAaaaOnlyMxIsNotUsed() {
        QueuedMessage m = queueTo("a@v6.test");
        f.start(f.settings(25).addressFamilies("ipv4", "any").build());

        f.awaitRemoved(m.id());
        assertThat(sink6.connections()).isZero();
        assertThat(sink4.messages()).hasSize(1);
    }

    @Test
    void withIpv6OnlyAnMxWithoutAaaaIsNotUsed() {
        f.dns.add("v4only.test", Type.MX, "10 mx4.v6.test.", 60);
        QueuedMessage m = queueTo("a@v4only.test");
        f.start(f.settings(25).addressFamilies("ipv6", "any").build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.recipients().get(0).state()).isEqualTo(RecipientStatus.State.PENDING);
        assertThat(after.recipients().get(0).lastReply()).contains("no data record of requested type");
        assertThat(sink4.connections()).isZero();
    }

    @Test
    void aRefusedConnectFallsBackToTheOtherFamily() throws Exception {
        // both.test has ::1 and 127.0.0.1; only 127.0.0.1 listens on the port: IPv6 first, then IPv4
        f.dns.add("both.test", Type.MX, "10 mx.both.test.", 60);
        f.dns.add("mx.both.test", Type.AAAA, "::1", 60);
        f.dns.add("mx.both.test", Type.A, "127.0.0.1", 60);
        f.ports.put("mx.both.test", sink4.port());
        QueuedMessage m = queueTo("a@both.test");
        f.start(f.settings(25).addressFamilies("all", "ipv6").build());

        f.awaitRemoved(m.id());
        assertThat(sink4.messages()).hasSize(1);
    }

    @Test
    void aRefusedIpv4ConnectFallsBackToIpv6() {
        f.dns.add("both.test", Type.MX, "10 mx.both.test.", 60);
        f.dns.add("mx.both.test", Type.AAAA, "::1", 60);
        f.dns.add("mx.both.test", Type.A, "127.0.0.1", 60);
        f.ports.put("mx.both.test", sink6.port());
        // sink6's port on ::1 listens; on 127.0.0.1 nothing does: ipv4 first fails over to ::1
        QueuedMessage m = queueTo("a@both.test");
        f.start(f.settings(25).addressFamilies("all", "ipv4").build());

        f.awaitRemoved(m.id());
        assertThat(sink6.messages()).hasSize(1);
    }

    @Test
    void familiesAreFilteredAndOrdered() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        InetAddress v4a = InetAddress.getByName("127.0.0.1");
        InetAddress v4b = InetAddress.getByName("127.0.0.2");
        List<InetAddress> all = List.of(v6, v4a, v4b);
        assertThat(new AddressFamilies(AddressFamilies.Protocols.ALL, AddressFamilies.Preference.IPV4).order(all))
                .containsExactly(v4a, v4b, v6);
        assertThat(new AddressFamilies(AddressFamilies.Protocols.ALL, AddressFamilies.Preference.IPV6).order(all))
                .containsExactly(v6, v4a, v4b);
        assertThat(new AddressFamilies(AddressFamilies.Protocols.IPV4, AddressFamilies.Preference.IPV6).order(all))
                .containsExactly(v4a, v4b);
        assertThat(new AddressFamilies(AddressFamilies.Protocols.IPV6, AddressFamilies.Preference.ANY).order(all))
                .containsExactly(v6);
        assertThat(new AddressFamilies(AddressFamilies.Protocols.ALL, AddressFamilies.Preference.ANY).order(all))
                .containsExactlyInAnyOrder(v6, v4a, v4b);
    }
}
