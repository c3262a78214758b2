package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * Delivery never connects to itself: a loopback DNS zone whose MX points at "this server" (a real
 * listener on 127.0.0.2, named in Myself as the smtp listeners would be; the other sink is on
 * 127.0.0.1, another machine as far as the check goes) bounces with Postfix's
 * "loops back to myself", a lower-preference MX that is this server is never tried, and a queued
 * message with more Received: fields than hopcount_limit bounces instead of going out.
 */
class MailLoopTest {
    private DeliveryFixture f;
    /** Stands for this server's own mx listener: nothing may ever arrive here. */
    private SmtpSink self;

    private SmtpSink other;

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        InetAddress ours = InetAddress.getByName("127.0.0.2");
        self = SmtpSink.start(ours);
        other = SmtpSink.start();
        InetSocketAddress listener = new InetSocketAddress(ours, self.port());
        f.myself = new Myself(() -> List.of(listener), Set.of(), () -> Set.of(DeliveryFixture.HELO));
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        self.close();
        other.close();
    }

    private QueuedMessage queueTo(String rcpt) {
        return f.queue("sender@sender.test", List.of(rcpt), DeliveryFixture.message("loop", "hello\r\n"));
    }

    @Test
    void mailWhoseBestMxIsThisServerBouncesOnceAndNeverConnects() {
        f.dns.add("loop.test", Type.MX, "10 mx.loop.test.", 60);
        f.dns.add("mx.loop.test", Type.A, "127.0.0.2", 60);
        QueuedMessage m = queueTo("a@loop.test");
        f.start(f.settings(self.port()).build());

        f.awaitRemoved(m.id());
        assertThat(self.connections()).as("delivery never connects to itself").isZero();
        Map<String, String> rcpt = dsnRecipient();
        assertThat(rcpt)
                .containsEntry("status", "5.4.6")
                .containsEntry("diagnostic-code", "smtp; 554 5.4.6 mail for loop.test loops back to myself");
        assertThat(f.dsns().get(0).message().envelope().recipients())
                .extracting(Object::toString)
                .containsExactly("sender@sender.test");
    }

    @Test
    void anMxNamedLikeThisServerLoopsWhateverItsAddress() {
        // the MX has our EHLO name; its address is another machine's (the other sink's port)
        f.mx("named.test", 10, DeliveryFixture.HELO);
        f.ports.put(DeliveryFixture.HELO, other.port());
        QueuedMessage m = queueTo("a@named.test");
        f.start(f.settings(self.port()).build());

        f.awaitRemoved(m.id());
        assertThat(self.connections() + other.connections()).isZero();
        assertThat(dsnRecipient()).containsEntry("status", "5.4.6");
    }

    @Test
    void whenThisServerIsABackupMxOnlyTheMorePreferredHostsAreTried() throws Exception {
        // mx1 (preference 10) is down; mx2 (preference 20) is this server: defer, never connect to ourselves
        f.mx("backup.test", 10, "mx1.backup.test");
        f.dns.add("backup.test", Type.MX, "20 mx2.backup.test.", 60);
        f.dns.add("mx2.backup.test", Type.A, "127.0.0.2", 60);
        f.ports.put("mx1.backup.test", DeliveryFixture.closedPort());
        QueuedMessage m = queueTo("a@backup.test");
        f.start(f.settings(self.port()).build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        RecipientStatus r = after.recipients().get(0);
        assertThat(r.state()).isEqualTo(RecipientStatus.State.PENDING);
        assertThat(r.lastReply()).startsWith("connect to mx1.backup.test[127.0.0.1]:");
        assertThat(self.connections()).isZero();
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void whenThisServerIsABackupMxThePrimaryGetsTheMail() {
        f.mx("backup.test", 10, "mx1.backup.test");
        f.dns.add("backup.test", Type.MX, "20 mx2.backup.test.", 60);
        f.dns.add("mx2.backup.test", Type.A, "127.0.0.2", 60);
        f.ports.put("mx1.backup.test", other.port());
        QueuedMessage m = queueTo("a@backup.test");
        f.start(f.settings(self.port()).build());

        f.awaitRemoved(m.id());
        assertThat(other.messages()).hasSize(1);
        assertThat(self.connections()).isZero();
    }

    @Test
    void anotherPortOfTheSameAddressIsNotThisServer() {
        // the sink listens on 127.0.0.1 like us, on another port: delivery goes there
        f.mx("remote.test", 10, "mx.remote.test");
        QueuedMessage m = queueTo("a@remote.test");
        f.start(f.settings(other.port()).build());

        f.awaitRemoved(m.id());
        assertThat(other.messages()).hasSize(1);
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void aQueuedMessageWithMoreReceivedFieldsThanTheLimitBounces() {
        f.mx("remote.test", 10, "mx.remote.test");
        QueuedMessage looped = f.queue(
                "sender@sender.test",
                List.of("a@remote.test"),
                "Received: from a by b; Mon, 3 Feb 2025 10:00:00 +0000\r\n".repeat(51)
                        + DeliveryFixture.message("looped", "hello\r\n"));
        f.start(f.settings(other.port()).build());

        f.awaitRemoved(looped.id());
        assertThat(other.connections()).isZero();
        assertThat(dsnRecipient())
                .containsEntry("status", "5.4.6")
                .containsEntry(
                        "diagnostic-code", "smtp; 554 5.4.6 Too many hops (more than 50 Received: header fields)");
    }

    @Test
    void aMessageAtTheHopLimitIsDelivered() {
        f.mx("remote.test", 10, "mx.remote.test");
        QueuedMessage m = f.queue(
                "sender@sender.test",
                List.of("a@remote.test"),
                "received: from a by b; Mon, 3 Feb 2025 10:00:00 +0000\r\n".repeat(50)
                        + DeliveryFixture.message("fifty", "Received: in the body does not count\r\n".repeat(5)));
        f.start(f.settings(other.port()).build());

        f.awaitRemoved(m.id());
        assertThat(other.messages()).hasSize(1);
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void theHopLimitIsASetting() {
        f.mx("remote.test", 10, "mx.remote.test");
        QueuedMessage m = f.queue(
                "sender@sender.test",
                List.of("a@remote.test"),
                "Received: from a by b; Mon, 3 Feb 2025 10:00:00 +0000\r\n".repeat(3)
                        + DeliveryFixture.message("three", "hello\r\n"));
        f.start(f.settings(other.port()).hopcountLimit(2).build());

        f.awaitRemoved(m.id());
        assertThat(other.connections()).isZero();
        assertThat(dsnRecipient()).containsEntry("status", "5.4.6");
    }

    private Map<String, String> dsnRecipient() {
        assertThat(f.dsns()).hasSize(1);
        ParsedReport report = ParsedReport.parse(f.dsns().get(0).text());
        return ParsedReport.groups(report.parts.get(1).body()).get(1);
    }
}
