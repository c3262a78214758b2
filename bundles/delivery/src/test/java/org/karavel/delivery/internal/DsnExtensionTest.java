package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.DsnRequest;
import org.karavel.api.queue.DsnRequest.Notify;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.testkit.MemorySpool;
import org.karavel.testkit.SmtpSink;

/**
 * The DSN extension (RFC 3461) in delivery: NOTIFY, ORCPT, RET and ENVID honoured against a real
 * SMTP sink, with and without DSN offered; each notification read back with mime4j.
 */
class DsnExtensionTest {
    private DeliveryFixture f;
    private SmtpSink sink;

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        sink = SmtpSink.start();
        f.mx("example.test", 10, "mx1.example.test");
        f.mx("sender.test", 10, "mx1.example.test");
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        sink.close();
    }

    /** An envelope as the smtp bundle stores it: ENVID decoded, RET upper case, NOTIFY/ORCPT per recipient. */
    private static Envelope envelope(Instant receivedAt, Map<String, String> params, Map<String, DsnRequest> dsn) {
        List<MailAddress> rcpts = new ArrayList<>();
        Map<MailAddress, DsnRequest> requests = new LinkedHashMap<>();
        for (Map.Entry<String, DsnRequest> e : dsn.entrySet()) {
            MailAddress a = DeliveryFixture.address(e.getKey());
            rcpts.add(a);
            requests.put(a, e.getValue());
        }
        return new Envelope(
                DeliveryFixture.address("app@sender.test"),
                rcpts,
                params,
                receivedAt,
                "127.0.0.1",
                "client.test",
                "submission",
                "app",
                Origin.submission("app"),
                requests);
    }

    private static Map<String, DsnRequest> one(String rcpt, DsnRequest dsn) {
        Map<String, DsnRequest> m = new LinkedHashMap<>();
        m.put(rcpt, dsn);
        return m;
    }

    private static final DsnRequest SUCCESS_DELAY =
            new DsnRequest(EnumSet.of(Notify.SUCCESS, Notify.DELAY), "rfc822;orig+1@example.test");

    @Test
    void aNextHopWithoutDsnGetsTheMailAndTheSenderARelayedNotice() throws Exception {
        QueuedMessage m = f.spool.queue(
                envelope(
                        Instant.now(),
                        Map.of("RET", "HDRS", "ENVID", "QQ 3141"),
                        one("bob@example.test", SUCCESS_DELAY)),
                DeliveryFixture.message("relayed", "body\r\n"));
        f.start(f.settings(sink.port()).build());
        f.awaitRemoved(m.id());
        await().atMost(Duration.ofSeconds(10)).until(() -> f.dsns().size() == 1);

        assertThat(sink.envelopeCommands()).allMatch(c -> !c.contains("NOTIFY") && !c.contains("RET="));
        Report r = Report.of(f.dsns().get(0));
        assertThat(r.subject).isEqualTo("Successful Mail Delivery Report");
        assertThat(r.perMessage).containsEntry("original-envelope-id", "QQ 3141");
        assertThat(r.recipients).hasSize(1);
        assertThat(r.recipients.get(0))
                .containsEntry("action", "relayed")
                .containsEntry("final-recipient", "rfc822; bob@example.test")
                .containsEntry("original-recipient", "rfc822;orig+1@example.test")
                .containsEntry("status", "2.0.0");
        assertThat(r.thirdType).isEqualTo("text/rfc822-headers");
        assertThat(r.third).contains("Subject: relayed").doesNotContain("body");
    }

    @Test
    void aNextHopWithDsnGetsTheParametersAndTheSenderNoNoticeFromUs() {
        sink.dsn(true);
        QueuedMessage m = f.spool.queue(
                envelope(
                        Instant.now(),
                        Map.of("RET", "HDRS", "ENVID", "QQ 3141"),
                        one("bob@example.test", SUCCESS_DELAY)),
                DeliveryFixture.message("passed on", "body\r\n"));
        f.start(f.settings(sink.port()).build());
        f.awaitRemoved(m.id());

        assertThat(sink.envelopeCommands())
                .anyMatch(c -> c.startsWith("MAIL FROM:<app@sender.test>") && c.endsWith(" RET=HDRS ENVID=QQ+203141"))
                .contains("RCPT TO:<bob@example.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;orig+2B1@example.test");
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void notifyNeverOrWithoutFailureSendsNoBounce() {
        sink.onRcpt(r -> "550 5.1.1 no such user");
        Map<String, DsnRequest> dsn = new LinkedHashMap<>();
        dsn.put("never@example.test", DsnRequest.ofNotify(EnumSet.of(Notify.NEVER)));
        dsn.put("success@example.test", DsnRequest.ofNotify(EnumSet.of(Notify.SUCCESS)));
        QueuedMessage m =
                f.spool.queue(envelope(Instant.now(), Map.of(), dsn), DeliveryFixture.message("never", "body\r\n"));
        f.start(f.settings(sink.port()).build());
        f.awaitRemoved(m.id());
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void retFullReturnsTheWholeMessageUpToTheLimitThenHeadersOnly() throws Exception {
        sink.onRcpt(r -> "550 5.1.1 no such user");
        QueuedMessage small = f.spool.queue(
                envelope(Instant.now(), Map.of("RET", "FULL"), one("a@example.test", DsnRequest.NONE)),
                DeliveryFixture.message("small", "the body itself\r\n"));
        QueuedMessage large = f.spool.queue(
                envelope(Instant.now(), Map.of("RET", "FULL"), one("b@example.test", DsnRequest.NONE)),
                DeliveryFixture.message("large", "x".repeat(500) + "\r\n"));
        f.start(f.settings(sink.port()).dsnReturnLimit(400).build());
        f.awaitRemoved(small.id());
        f.awaitRemoved(large.id());
        await().atMost(Duration.ofSeconds(10)).until(() -> f.dsns().size() == 2);

        Report whole = f.dsns().stream()
                .map(Report::of)
                .filter(r -> r.third.contains("Subject: small"))
                .findFirst()
                .orElseThrow();
        assertThat(whole.thirdType).isEqualTo("message/rfc822");
        assertThat(whole.third).contains("the body itself");
        assertThat(whole.recipients.get(0)).containsEntry("action", "failed").doesNotContainKey("original-recipient");

        Report cut = f.dsns().stream()
                .map(Report::of)
                .filter(r -> r.third.contains("Subject: large"))
                .findFirst()
                .orElseThrow();
        assertThat(cut.thirdType).isEqualTo("text/rfc822-headers");
        assertThat(cut.third).doesNotContain("xxxx");
        assertThat(cut.notice.replaceAll("\\s+", " ")).contains("larger than 400 octets (dsn_return_limit)");
    }

    @Test
    void oneDelayNoticePerMessageAfterTheDelayWarningTime() throws Exception {
        sink.onRcpt(r -> "451 4.2.1 mailbox busy");
        Map<String, DsnRequest> dsn = new LinkedHashMap<>();
        dsn.put("delay@example.test", SUCCESS_DELAY);
        dsn.put("default@example.test", DsnRequest.NONE);
        dsn.put("failure@example.test", DsnRequest.ofNotify(EnumSet.of(Notify.FAILURE)));
        QueuedMessage m = f.spool.queue(
                envelope(Instant.now().minus(Duration.ofHours(5)), Map.of("ENVID", "late-1"), dsn),
                DeliveryFixture.message("late", "body\r\n"));
        f.start(f.settings(sink.port()).minBackoff(Duration.ofSeconds(1)).build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.delayWarned()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> f.dsns().size() == 1);
        Report r = Report.of(f.dsns().get(0));
        assertThat(r.subject).isEqualTo("Delayed Mail (still being retried)");
        assertThat(r.perMessage).containsEntry("original-envelope-id", "late-1");
        assertThat(r.recipients)
                .extracting(g -> g.get("final-recipient"))
                .containsExactly("rfc822; delay@example.test", "rfc822; default@example.test");
        assertThat(r.recipients.get(0))
                .containsEntry("action", "delayed")
                .containsEntry("status", "4.2.1")
                .containsEntry("original-recipient", "rfc822;orig+1@example.test")
                .containsKey("will-retry-until");

        f.awaitAttempts(m.id(), 3);
        assertThat(f.dsns()).hasSize(1);
    }

    @Test
    void finalDeliveryHereIsReportedAsDelivered(@TempDir Path dir) throws Exception {
        f.localDomains.add("local.test");
        QueuedMessage m = f.spool.queue(
                envelope(
                        Instant.now(),
                        Map.of(),
                        one("alice@local.test", DsnRequest.ofNotify(EnumSet.of(Notify.SUCCESS)))),
                DeliveryFixture.message("local", "body\r\n"));
        f.start(f.settings(sink.port()).maildirRoot(dir.resolve("mail")).build());
        f.awaitRemoved(m.id());
        await().atMost(Duration.ofSeconds(10)).until(() -> f.dsns().size() == 1);
        Report r = Report.of(f.dsns().get(0));
        assertThat(r.recipients.get(0))
                .containsEntry("action", "delivered")
                .containsEntry("final-recipient", "rfc822; alice@local.test")
                .doesNotContainKey("original-recipient");
        assertThat(r.notice).contains("<alice@local.test>: delivered: ");
    }

    @Test
    void anLmtpServerThatOffersDsnGetsTheParametersAndReportsItself() throws Exception {
        try (SmtpSink lmtp = SmtpSink.startLmtp()) {
            lmtp.dsn(true);
            f.localDomains.add("local.test");
            QueuedMessage m = f.spool.queue(
                    envelope(Instant.now(), Map.of("ENVID", "l1"), one("alice@local.test", SUCCESS_DELAY)),
                    DeliveryFixture.message("lmtp", "body\r\n"));
            f.start(f.settings(sink.port())
                    .localTransport("lmtp:127.0.0.1:" + lmtp.port())
                    .build());
            f.awaitRemoved(m.id());
            assertThat(lmtp.envelopeCommands())
                    .contains("RCPT TO:<alice@local.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;orig+2B1@example.test");
            assertThat(f.dsns()).isEmpty();
        }
    }

    /** A DSN read back with mime4j: its subject, the three parts, the delivery-status field groups. */
    private record Report(
            String subject,
            String notice,
            Map<String, String> perMessage,
            List<Map<String, String>> recipients,
            String thirdType,
            String third) {
        static Report of(MemorySpool.Queued q) {
            try {
                Message msg = new DefaultMessageBuilder().parseMessage(new ByteArrayInputStream(q.content()));
                assertThat(msg.getMimeType()).isEqualTo("multipart/report");
                List<Entity> parts = ((Multipart) msg.getBody()).getBodyParts();
                assertThat(parts).hasSize(3);
                assertThat(parts.get(1).getMimeType()).isEqualTo("message/delivery-status");
                List<Map<String, String>> groups = ParsedReport.groups(text(parts.get(1)));
                return new Report(
                        msg.getSubject(),
                        text(parts.get(0)),
                        groups.get(0),
                        groups.subList(1, groups.size()),
                        parts.get(2).getMimeType(),
                        text(parts.get(2)));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        private static String text(Entity e) throws Exception {
            if (e.getBody() instanceof Message m) {
                var out = new java.io.ByteArrayOutputStream();
                new org.apache.james.mime4j.message.DefaultMessageWriter().writeMessage(m, out);
                return out.toString(StandardCharsets.UTF_8);
            }
            try (var in = ((SingleBody) e.getBody()).getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }
}
