package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.shell.internal.QueueFixtures.message;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueueId;
import org.karavel.testkit.MemorySpool;

class QueueFlushTest {
    /** When the spool's clock says a flush happens, so that the flushed message's next attempt can be checked. */
    private static final Instant FLUSHED_AT = Instant.parse("2030-01-01T00:00:00Z");

    private final MemorySpool spool = new MemorySpool(Clock.fixed(FLUSHED_AT, ZoneOffset.UTC));
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void fill() {
        Instant t = Instant.parse("2025-11-22T05:00:00Z");
        spool.put(message("AAA1", "a@example.com", t, 10, "x@b.example"));
        spool.put(message("AAA2", "a@example.com", t, 10, "x@b.example"));
        spool.put(message("AAA3", "a@example.com", t, 10, "x@b.example"));
    }

    private int flush(List<String> ids) {
        return new QueueFlush(spool)
                .flush(
                        ids,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String text(ByteArrayOutputStream s) {
        return s.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }

    @Test
    void withoutIdsFlushesAll() {
        assertThat(flush(List.of())).isEqualTo(3);
        assertThat(spool.flushed()).extracting(QueueId::value).containsExactlyInAnyOrder("AAA1", "AAA2", "AAA3");
        assertThat(text(out)).isEqualTo("Flushed 3 messages (the whole queue).\n");
        assertThat(text(err)).isEmpty();
        assertThat(flush(null)).isEqualTo(3);
    }

    @Test
    void withIdsFlushesThoseAndReportsUnknownOnes() {
        assertThat(flush(List.of("AAA2", "NOPE9", "bad-id!", "AAA3"))).isEqualTo(2);
        assertThat(spool.flushed()).extracting(QueueId::value).containsExactly("AAA2", "AAA3");
        assertThat(spool.get(new QueueId("AAA2")).orElseThrow().nextAttempt()).isEqualTo(FLUSHED_AT);
        assertThat(text(out)).isEqualTo("Flushed 2 messages.\n");
        assertThat(text(err)).isEqualTo("""
                queue-flush: NOPE9: no such message in the queue
                queue-flush: bad-id!: not a queue id
                """);
    }

    @Test
    void oneMessage() {
        assertThat(flush(List.of("AAA1"))).isEqualTo(1);
        assertThat(text(out)).isEqualTo("Flushed 1 message.\n");
    }
}
