package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.shell.internal.QueueFixtures.message;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.karavel.testkit.LogCapture;
import org.karavel.testkit.MemorySpool;

/** The plain classes behind queue-delete, queue-bounce, queue-flush --domain and the domain commands. */
class DeliveryOrdersTest {
    private final RecordingDeliveryControl control = new RecordingDeliveryControl();
    private final DeliveryOrders orders = new DeliveryOrders(control);
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    private final PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);

    private static String text(ByteArrayOutputStream s) {
        return s.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }

    @Test
    void bounceNamesTheReasonOrSaysWhyNot() {
        control.known.add("AAA1");
        assertThat(orders.bounce("AAA1", " spam run ", o, e)).isTrue();
        assertThat(control.bounced).containsExactly("AAA1 spam run");
        assertThat(text(out)).contains("Bounced AAA1").contains("\"spam run\"");

        assertThat(orders.bounce("AAA1", null, o, e)).isFalse();
        assertThat(orders.bounce("not-an-id", null, o, e)).isFalse();
        assertThat(text(err))
                .isEqualTo("queue-bounce: AAA1: no such message in the queue\n"
                        + "queue-bounce: not-an-id: not a queue id\n");
    }

    @Test
    void suspendResumeAndList() {
        orders.suspend("Example.COM.", o);
        assertThat(control.suspended).containsExactly("example.com");
        assertThat(orders.listSuspended(o)).containsExactly("example.com");
        assertThat(orders.flushDomain("example.com", o)).isEqualTo(2);
        assertThat(text(out))
                .contains("Delivery to example.com suspended")
                .contains("\nexample.com\n")
                .contains("Flushed 2 messages with recipients at example.com (suspended");

        assertThat(orders.resume("example.com", o, e)).isTrue();
        assertThat(orders.resume("example.com", o, e)).isFalse();
        assertThat(text(err)).isEqualTo("domain-resume: example.com was not suspended\n");
        out.reset();
        orders.listSuspended(o);
        assertThat(text(out)).isEqualTo("No domain is suspended.\n");
    }

    @Test
    void deleteRemovesWithoutBounceAndNamesUnknownIds() {
        MemorySpool spool = new MemorySpool();
        spool.put(message("AAA1", "a@example.com", Instant.parse("2025-11-22T05:00:00Z"), 10, "x@b.example"));
        spool.put(message("AAA2", "a@example.com", Instant.parse("2025-11-22T05:00:00Z"), 10, "x@b.example"));

        int n;
        String mailLog;
        try (LogCapture log = new LogCapture()) {
            n = new QueueDelete(spool).delete(List.of("AAA1", "NOPE1", "bad id"), o, e);
            mailLog = log.text();
        }

        assertThat(n).isEqualTo(1);
        assertThat(spool.list()).extracting(m -> m.id().value()).containsExactly("AAA2");
        assertThat(text(out)).isEqualTo("Deleted 1 message.\n");
        assertThat(text(err))
                .isEqualTo("queue-delete: NOPE1: no such message in the queue\n"
                        + "queue-delete: bad id: not a queue id\n");
        assertThat(mailLog.lines().filter(l -> l.contains(" karavel.mail - ")))
                .singleElement()
                .asString()
                .endsWith(" karavel.mail - AAA1: removed by=shell");
    }
}
