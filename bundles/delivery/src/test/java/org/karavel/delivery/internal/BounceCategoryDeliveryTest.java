package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.metrics.Metric;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.testkit.LogCapture;
import org.karavel.testkit.SmtpSink;

/** A real delivery to a sink that answers like a provider: the category shows in the log, the metric and the DSN. */
class BounceCategoryDeliveryTest {
    private static final String GMAIL_NO_SUCH_USER =
            "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the"
                    + " recipient's email address for typos or unnecessary spaces.";
    private static final String YAHOO_TSS04 = "421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred due"
            + " to unexpected volume or user complaints - 4.16.55.1";

    @Test
    void aRefusedAndADeferredRecipientGetTheirCategories() throws Exception {
        try (DeliveryFixture f = new DeliveryFixture();
                SmtpSink sink = SmtpSink.start();
                LogCapture log = new LogCapture()) {
            sink.onRcpt(r ->
                    r.startsWith("gone@") ? GMAIL_NO_SUCH_USER : r.startsWith("busy@") ? YAHOO_TSS04 : "250 2.1.5 Ok");
            f.mx("example.test", 10, "mx1.example.test");
            f.mx("sender.test", 10, "mx1.example.test");
            QueuedMessage m = f.queue(
                    "sender@sender.test",
                    List.of("gone@example.test", "busy@example.test"),
                    DeliveryFixture.message("categories", "body\r\n"));
            f.start(f.settings(sink.port()).build());

            String id = m.id().value();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> mailLog(log).stream().anyMatch(l -> l.startsWith(id + ": dsn ")));
            assertThat(mailLog(log))
                    .anySatisfy(l -> assertThat(l)
                            .startsWith(id + ": bounced to=<gone@example.test>")
                            .contains(" category=invalid_recipient status=bounced (550 5.1.1 The email account"))
                    .anySatisfy(l -> assertThat(l)
                            .startsWith(id + ": deferred to=<busy@example.test>")
                            .contains(" category=rate_limited status=deferred (421 4.7.0 [TSS04]"));

            assertThat(f.counters.failureCount(BounceCategory.INVALID_RECIPIENT, true))
                    .isEqualTo(1);
            assertThat(f.counters.failureCount(BounceCategory.RATE_LIMITED, false))
                    .isEqualTo(1);
            Metric failures = f.counters.metrics(0, 0).stream()
                    .filter(x -> x.name().equals("karavel_delivery_failures_total"))
                    .findFirst()
                    .orElseThrow();
            assertThat(failures.samples())
                    .containsExactlyInAnyOrder(
                            new Metric.Sample(Map.of("category", "invalid_recipient", "kind", "permanent"), 1),
                            new Metric.Sample(Map.of("category", "rate_limited", "kind", "temporary"), 1));

            // the queue listing classifies the stored last reply again: the deferred recipient is still queued
            RecipientStatus busy =
                    f.spool.get(m.id()).orElseThrow().recipients().get(1);
            assertThat(f.scheduler.failureCategory(busy)).isEqualTo("rate_limited");

            ParsedReport report = ParsedReport.parse(f.dsns().get(0).text());
            assertThat(report.parts.get(0).body())
                    .contains("<gone@example.test>")
                    .contains("Category: invalid_recipient")
                    .doesNotContain("busy@example.test");
        }
    }

    @Test
    void theOperatorsRulesFileDecides(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(dir.resolve("karavel.bounce-rules"), "mailbox_full text has eaten too much\n");
        try (DeliveryFixture f = new DeliveryFixture();
                SmtpSink sink = SmtpSink.start();
                LogCapture log = new LogCapture()) {
            sink.onRcpt(r -> r.startsWith("sender@") ? "250 2.1.5 Ok" : "552 5.7.1 this mailbox has eaten too much");
            f.mx("example.test", 10, "mx1.example.test");
            f.mx("sender.test", 10, "mx1.example.test");
            QueuedMessage m = f.queue(
                    "sender@sender.test", List.of("full@example.test"), DeliveryFixture.message("full", "x\r\n"));
            f.start(f.settings(sink.port()).bounceRules(rules.toString()).build());

            f.awaitRemoved(m.id());
            assertThat(mailLog(log))
                    .anySatisfy(l -> assertThat(l)
                            .startsWith(m.id().value() + ": bounced to=<full@example.test>")
                            .contains(" category=mailbox_full status=bounced"));
            assertThat(f.counters.failureCount(BounceCategory.MAILBOX_FULL, true))
                    .isEqualTo(1);
        }
    }

    @Test
    void aStoredConnectionFailureIsListedWithItsCategory() throws Exception {
        try (DeliveryFixture f = new DeliveryFixture()) {
            f.mx("example.test", 10, "mx1.example.test");
            QueuedMessage m = f.queue(
                    "sender@sender.test", List.of("a@example.test"), DeliveryFixture.message("refused", "x\r\n"));
            f.start(f.settings(DeliveryFixture.closedPort()).build());

            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !f.spool
                            .get(m.id())
                            .orElseThrow()
                            .recipients()
                            .get(0)
                            .lastReply()
                            .isEmpty());
            RecipientStatus r = f.spool.get(m.id()).orElseThrow().recipients().get(0);
            assertThat(r.lastReply()).contains("Connection refused");
            assertThat(f.scheduler.failureCategory(r)).isEqualTo("connection_failure");
            assertThat(f.counters.failureCount(BounceCategory.CONNECTION_FAILURE, false))
                    .isEqualTo(1);
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
