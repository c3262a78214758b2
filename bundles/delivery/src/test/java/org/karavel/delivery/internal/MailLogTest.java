package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.delivery.internal.RecipientResult.Outcome;
import org.karavel.testkit.LogCapture;
import org.karavel.testkit.SmtpSink;

class MailLogTest {
    private static final QueueId ID = new QueueId("3F2A9C1B7D");
    private static final Instant T0 = Instant.parse("2025-02-03T10:00:00Z");

    private static RecipientResult result(Outcome o, String reply, String relay, Instant at) {
        return new RecipientResult(
                0, DeliveryFixture.address("a@b.example"), o, "2.0.0", reply, "mx.b.example", relay, at);
    }

    @Test
    void deliveredDeferredAndBouncedLines() {
        assertThat(MailLog.result(
                        ID,
                        result(Outcome.DELIVERED, "250 2.0.0 Ok", "mx.b.example[127.0.0.1]:2525", T0.plusMillis(400)),
                        T0,
                        1))
                .isEqualTo(
                        "3F2A9C1B7D: delivered to=<a@b.example> relay=mx.b.example[127.0.0.1]:2525 delay=0.4 attempts=1 "
                                + "status=sent (250 2.0.0 Ok)");
        assertThat(MailLog.result(
                        ID,
                        result(
                                Outcome.DEFERRED,
                                "connect to mx.b.example[127.0.0.1]:25: Connection refused",
                                "none",
                                T0.plusSeconds(125)),
                        T0,
                        3))
                .isEqualTo("3F2A9C1B7D: deferred to=<a@b.example> relay=none delay=125 attempts=3 "
                        + "status=deferred (connect to mx.b.example[127.0.0.1]:25: Connection refused)");
        assertThat(MailLog.result(ID, result(Outcome.BOUNCED, "550 5.1.1 unknown", "local", T0), T0, 1))
                .isEqualTo(
                        "3F2A9C1B7D: bounced to=<a@b.example> relay=local delay=0.0 attempts=1 status=bounced (550 5.1.1 unknown)");
    }

    @Test
    void remoteLinesCarryTheTlsOutcomeBeforeTheStatus() {
        RecipientResult r = new RecipientResult(
                0,
                DeliveryFixture.address("a@b.example"),
                Outcome.DELIVERED,
                "2.0.0",
                "250 2.0.0 Ok",
                "mx.b.example",
                "mx.b.example[127.0.0.1]:2525",
                T0.plusMillis(400),
                "tls=TLSv1.3:TLS_AES_256_GCM_SHA384 verified=yes policy=Opportunistic/none");
        assertThat(MailLog.result(ID, r, T0, 1))
                .isEqualTo(
                        "3F2A9C1B7D: delivered to=<a@b.example> "
                                + "relay=mx.b.example[127.0.0.1]:2525 delay=0.4 attempts=1 "
                                + "tls=TLSv1.3:TLS_AES_256_GCM_SHA384 verified=yes policy=Opportunistic/none status=sent (250 2.0.0 Ok)");
    }

    @Test
    void aNegativeDelayCountsAsNone() {
        assertThat(MailLog.result(ID, result(Outcome.DEFERRED, "451 4.3.0 later", "none", T0), T0.plusSeconds(1), 2))
                .isEqualTo(
                        "3F2A9C1B7D: deferred to=<a@b.example> relay=none delay=0.0 attempts=2 status=deferred (451 4.3.0 later)");
    }

    @Test
    void aBounceTellsTheWholeStoryInTheMailLog() throws Exception {
        try (DeliveryFixture f = new DeliveryFixture();
                SmtpSink sink = SmtpSink.start();
                LogCapture log = new LogCapture()) {
            sink.onRcpt(r -> r.startsWith("bad@") ? "550 5.1.1 User unknown" : "250 2.1.5 Ok");
            f.mx("example.test", 10, "mx1.example.test");
            f.mx("sender.test", 10, "mx1.example.test");
            QueuedMessage m = f.queue(
                    "sender@sender.test",
                    List.of("good@example.test", "bad@example.test"),
                    DeliveryFixture.message("story", "body\r\n"));
            f.start(f.settings(sink.port()).build());

            String id = m.id().value();
            await().atMost(Duration.ofSeconds(20)).until(() -> mailLog(log).contains(id + ": removed by=delivery"));
            String dsnId = f.dsns().get(0).message().id().value();
            String relay = Pattern.quote("mx1.example.test[127.0.0.1]:" + sink.port());
            assertThat(mailLog(log).stream().filter(l -> l.startsWith(id + ": ")))
                    .satisfiesExactlyInAnyOrder(
                            l -> assertThat(l)
                                    .matches(
                                            id + ": delivered to=<good@example.test> relay=" + relay
                                                    + " delay=\\d+\\.\\d attempts=1 tls=none policy=\\S+ status=sent \\(250 .*\\)"),
                            l -> assertThat(l)
                                    .matches(id + ": bounced to=<bad@example.test> relay=" + relay
                                            + " delay=\\d+\\.\\d attempts=1 tls=none policy=\\S+"
                                            + " category=invalid_recipient status=bounced "
                                            + "\\(550 5\\.1\\.1 User unknown\\)"),
                            l -> assertThat(l)
                                    .isEqualTo(id + ": dsn to=<sender@sender.test> failed=1 dsn_id=" + dsnId
                                            + " status=queued"),
                            l -> assertThat(l).isEqualTo(id + ": removed by=delivery"));
        }
    }

    /** The messages slf4j-simple wrote on the logger karavel.mail. */
    private static List<String> mailLog(LogCapture log) {
        String logger = " karavel.mail - ";
        return log.text()
                .lines()
                .filter(l -> l.contains(logger))
                .map(l -> l.substring(l.indexOf(logger) + logger.length()))
                .toList();
    }
}
