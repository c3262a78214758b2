package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.testkit.MemorySpool;
import org.karavel.testkit.SmtpSink;

/** Permanent failures: per-recipient 5xx, 5xx at MAIL and end of data, expiry, and the DSN itself. */
class BounceTest {
    private DeliveryFixture f;
    private SmtpSink sink;

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        sink = SmtpSink.start();
        f.mx("example.test", 10, "mx1.example.test");
        // the sender's domain routes to the sink too, so DSNs are delivered like any mail
        f.mx("sender.test", 10, "mx1.example.test");
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        sink.close();
    }

    @Test
    void aRecipientRefusedAtRcptBouncesWhileTheOtherIsDelivered() {
        sink.onRcpt(r -> r.startsWith("bad@")
                ? "550 5.1.1 <bad@example.test>: Recipient address rejected: User unknown in local recipient table"
                : "250 2.1.5 Ok");
        String content = DeliveryFixture.message("mixed", "body\r\n");
        QueuedMessage m = f.queue("sender@sender.test", List.of("good@example.test", "bad@example.test"), content);
        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.messages().size() == 2);

        SmtpSink.ReceivedMail original = sink.messages().stream()
                .filter(x -> !x.sender().isEmpty())
                .findFirst()
                .orElseThrow();
        assertThat(original.recipients()).containsExactly("good@example.test");

        assertThat(f.dsns()).hasSize(1);
        MemorySpool.Queued dsn = f.dsns().get(0);
        assertThat(dsn.message().envelope().sender()).isEqualTo(MailAddress.NULL_SENDER);
        assertThat(dsn.message().envelope().recipients())
                .containsExactly(DeliveryFixture.address("sender@sender.test"));
        assertThat(dsn.message().envelope().listenerName()).isEqualTo("local");

        // the DSN went out like other mail: null sender, to the original sender
        SmtpSink.ReceivedMail delivered = sink.messages().stream()
                .filter(x -> x.sender().isEmpty())
                .findFirst()
                .orElseThrow();
        assertThat(delivered.recipients()).containsExactly("sender@sender.test");
        assertThat(delivered.content()).isEqualTo(dsn.content());

        String text = dsn.text();
        assertWellFormed(dsn.content());
        ParsedReport report = ParsedReport.parse(text);
        assertThat(report.headers)
                .containsEntry("from", "Mail Delivery System <MAILER-DAEMON@karavel.test>")
                .containsEntry("to", "<sender@sender.test>")
                .containsEntry("subject", "Undelivered Mail Returned to Sender")
                .containsEntry("auto-submitted", "auto-replied")
                .containsEntry("mime-version", "1.0")
                .containsKeys("date", "message-id");
        assertThat(report.headers.get("date"))
                .matches("[A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}");
        assertThat(report.headers.get("content-type"))
                .startsWith("multipart/report; report-type=delivery-status; boundary=");
        assertThat(report.parts).hasSize(3);
        assertThat(report.parts.get(0).contentType()).startsWith("text/plain");
        assertThat(report.parts.get(0).body())
                .contains("<bad@example.test>")
                .contains("User unknown")
                .doesNotContain("good@example.test");
        assertThat(report.parts.get(1).contentType()).isEqualTo("message/delivery-status");
        assertThat(report.parts.get(2).contentType()).isEqualTo("text/rfc822-headers");

        List<Map<String, String>> groups =
                ParsedReport.groups(report.parts.get(1).body());
        assertThat(groups).hasSize(2);
        assertThat(groups.get(0))
                .containsEntry("reporting-mta", "dns; karavel.test")
                .containsEntry("x-karavel-queue-id", m.id().toString())
                .containsKey("arrival-date");
        assertThat(groups.get(1))
                .containsEntry("final-recipient", "rfc822; bad@example.test")
                .containsEntry("action", "failed")
                .containsEntry("status", "5.1.1")
                .containsEntry("remote-mta", "dns; mx1.example.test")
                .containsEntry(
                        "diagnostic-code",
                        "smtp; 550 5.1.1 <bad@example.test>: Recipient address rejected: "
                                + "User unknown in local recipient table")
                .containsKey("last-attempt-date");
        String headers = report.parts.get(2).body();
        assertThat(headers)
                .contains("Subject: mixed\r\n")
                .contains("Message-ID: <mixed@sender.test>\r\n")
                .doesNotContain("body");
    }

    @Test
    void aRefusalAtMailBouncesEveryRecipientInOneDsn() {
        sink.onMail(from -> from.isEmpty() ? "250 2.1.0 Ok" : "550 5.7.1 sender rejected");
        QueuedMessage m = f.queue(
                "sender@sender.test",
                List.of("a@example.test", "b@example.test"),
                DeliveryFixture.message("refused", "x\r\n"));
        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        assertThat(f.dsns()).hasSize(1);
        List<Map<String, String>> groups = ParsedReport.groups(
                ParsedReport.parse(f.dsns().get(0).text()).parts.get(1).body());
        assertThat(groups).hasSize(3);
        assertThat(groups.subList(1, 3))
                .extracting(g -> g.get("final-recipient"))
                .containsExactly("rfc822; a@example.test", "rfc822; b@example.test");
        assertThat(groups.subList(1, 3)).allSatisfy(g -> assertThat(g).containsEntry("status", "5.7.1"));
    }

    @Test
    void aRefusalAtTheEndOfDataBouncesTheMessage() {
        sink.onData(mail -> mail.sender().isEmpty() ? "250 2.0.0 Ok" : "554 5.6.0 message content rejected");
        QueuedMessage m =
                f.queue("sender@sender.test", List.of("a@example.test"), DeliveryFixture.message("content", "x\r\n"));
        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        assertThat(f.dsns()).hasSize(1);
        List<Map<String, String>> groups = ParsedReport.groups(
                ParsedReport.parse(f.dsns().get(0).text()).parts.get(1).body());
        assertThat(groups.get(1))
                .containsEntry("status", "5.6.0")
                .containsEntry("diagnostic-code", "smtp; 554 5.6.0 message content rejected");
    }

    @Test
    void aBounceIsNeverBounced() {
        sink.onRcpt(r -> "550 5.1.1 no such user");
        QueuedMessage m = f.queue("", List.of("a@example.test"), DeliveryFixture.message("bounce", "x\r\n"));
        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        assertThat(f.dsns())
                .hasSize(1)
                .allSatisfy(c -> assertThat(c.message().id()).isEqualTo(m.id()));
        assertThat(f.spool.committed()).hasSize(1);
    }

    @Test
    void aMessageDeferredPastItsLifetimeBouncesWithDeliveryTimeExpired() {
        sink.onRcpt(r -> "451 4.3.0 mailbox temporarily unavailable");
        QueuedMessage m = f.spool.queue(
                DeliveryFixture.envelope(
                        "sender@sender.test",
                        List.of("a@example.test"),
                        Instant.now().minus(Duration.ofDays(6)),
                        Map.of()),
                DeliveryFixture.message("old", "x\r\n"));
        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        assertThat(f.dsns()).hasSize(1);
        ParsedReport report = ParsedReport.parse(f.dsns().get(0).text());
        assertThat(report.parts.get(0).body()).contains("delivery time expired");
        Map<String, String> rcpt =
                ParsedReport.groups(report.parts.get(1).body()).get(1);
        assertThat(rcpt)
                .containsEntry("status", "5.4.7")
                .containsEntry("diagnostic-code", "smtp; 451 4.3.0 mailbox temporarily unavailable")
                .containsEntry("remote-mta", "dns; mx1.example.test");
    }

    @Test
    void aMessageYoungerThanItsLifetimeIsDeferredNotBounced() {
        sink.onRcpt(r -> "451 4.3.0 mailbox temporarily unavailable");
        QueuedMessage m = f.spool.queue(
                DeliveryFixture.envelope(
                        "sender@sender.test",
                        List.of("a@example.test"),
                        Instant.now().minus(Duration.ofDays(4)),
                        Map.of()),
                DeliveryFixture.message("young", "x\r\n"));
        // a delay notice would be due after 4 days (DsnExtensionTest); this is about the failure notice
        f.start(f.settings(sink.port()).delayWarningTime(Duration.ZERO).build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.recipients().get(0).state()).isEqualTo(RecipientStatus.State.PENDING);
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void whenTheDsnCannotBeQueuedTheFailedRecipientStaysPending() {
        sink.onRcpt(r -> "550 5.1.1 no such user");
        QueuedMessage m =
                f.queue("sender@sender.test", List.of("a@example.test"), DeliveryFixture.message("full", "x\r\n"));
        f.spool.full(true);
        f.start(f.settings(sink.port()).build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.recipients().get(0).state()).isEqualTo(RecipientStatus.State.PENDING);
        assertThat(after.recipients().get(0).lastReply()).isEqualTo("550 5.1.1 no such user");
        assertThat(after.bounced()).isFalse();
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void aMessageWithADeliveredAndABouncedRecipientIsMarkedBouncedUntilRemoved() {
        sink.onRcpt(r -> r.startsWith("bad@")
                ? "550 5.1.1 no such user"
                : r.startsWith("later@") ? "451 4.2.1 try later" : "250 2.1.5 Ok");
        QueuedMessage m = f.queue(
                "sender@sender.test",
                List.of("ok@example.test", "bad@example.test", "later@example.test"),
                DeliveryFixture.message("three", "x\r\n"));
        f.start(f.settings(sink.port()).build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.recipients())
                .extracting(RecipientStatus::state)
                .containsExactly(
                        RecipientStatus.State.DELIVERED, RecipientStatus.State.BOUNCED, RecipientStatus.State.PENDING);
        assertThat(after.bounced()).isTrue();
        assertThat(after.recipients().get(1).remoteHost()).isEqualTo("mx1.example.test");
        assertThat(f.dsns()).hasSize(1);
    }

    /** CRLF only, no line over 998 octets. */
    static void assertWellFormed(byte[] content) {
        String s = new String(content, StandardCharsets.UTF_8);
        assertThat(s.replace("\r\n", "")).doesNotContain("\r").doesNotContain("\n");
        assertThat(s).endsWith("\r\n");
        for (String line : s.split("\r\n")) {
            assertThat(line.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(998);
        }
    }
}
