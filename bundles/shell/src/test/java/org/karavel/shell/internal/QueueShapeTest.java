package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.shell.internal.QueueFixtures.message;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;

class QueueShapeTest {
    private static final Instant NOW = Instant.parse("2025-11-22T12:00:00Z");

    private static Instant ago(long minutes, long seconds) {
        return NOW.minusSeconds(minutes * 60 + seconds);
    }

    @Test
    void bucketsFollowQshapesBoundaries() {
        QueueShape shape = new QueueShape(NOW);
        assertThat(shape.bucket(ago(0, 0))).isZero();
        assertThat(shape.bucket(ago(4, 59))).isZero();
        assertThat(shape.bucket(ago(5, 0))).isEqualTo(1);
        assertThat(shape.bucket(ago(19, 59))).isEqualTo(2);
        assertThat(shape.bucket(ago(20, 0))).isEqualTo(3);
        assertThat(shape.bucket(ago(319, 0))).isEqualTo(6);
        assertThat(shape.bucket(ago(320, 0))).isEqualTo(7);
        assertThat(shape.bucket(NOW.plusSeconds(60))).isZero(); // a clock step back is not negative
    }

    @Test
    void rowsCountMessagesPerDomainOfPendingRecipients() {
        QueuedMessage twoAtB =
                message("AAA1", "a@example.com", ago(1, 0), 10, "x@b.example", "y@B.example", "z@c.example");
        QueuedMessage old = message("AAA2", "a@example.com", ago(400, 0), 10, "x@b.example");
        QueuedMessage delivered = message("AAA3", "a@example.com", ago(7, 0), 10, "x@d.example");
        delivered = delivered.withRecipients(
                List.of(delivered.recipients().get(0).with(RecipientStatus.State.DELIVERED, "250", "")));

        Map<String, long[]> rows = new QueueShape(NOW).rows(List.of(twoAtB, old, delivered));

        assertThat(rows.keySet()).containsExactly("TOTAL", "b.example", "c.example");
        assertThat(rows.get("TOTAL")).containsExactly(2, 1, 0, 0, 0, 0, 0, 0, 1);
        assertThat(rows.get("b.example")).containsExactly(2, 1, 0, 0, 0, 0, 0, 0, 1);
        assertThat(rows.get("c.example")).containsExactly(1, 1, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void theTableMarksSuspendedDomains() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new QueueShape(NOW)
                .write(
                        List.of(message("AAA1", "a@example.com", ago(12, 0), 10, "x@b.example")),
                        Set.of("b.example", "idle.example"),
                        new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();

        assertThat(lines.get(0)).isEqualTo("              domain     T    5   10   20   40   80  160  320 320+");
        assertThat(lines.get(1)).isEqualTo("               TOTAL     1    0    0    1    0    0    0    0    0");
        assertThat(lines.get(2))
                .isEqualTo("           b.example     1    0    0    1    0    0    0    0    0  (suspended)");
        assertThat(lines.get(3)).isEqualTo("Suspended, nothing queued: idle.example");
    }
}
