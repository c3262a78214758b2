package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.shell.internal.QueueFixtures.message;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus.State;

class QueueShowTest {
    private static final Instant NOW = Instant.parse("2025-11-22T12:00:00Z");

    private static String show(QueuedMessage m, String content) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new QueueShow(ZoneOffset.UTC, NOW)
                .write(
                        m,
                        content == null ? null : new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)),
                        new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }

    @Test
    void showsTheEnvelopeAndEachRecipientsState() throws Exception {
        QueuedMessage m = message(
                "3F2A9C1B7D", "a@example.com", NOW.minusSeconds(3 * 3600 + 120), 1234, "x@b.example", "y@c.example");
        m = m.withRecipients(List.of(
                        m.recipients().get(0).with(State.PENDING, "451 4.3.0 Try again later", "mx.b.example"),
                        m.recipients().get(1).with(State.DELIVERED, "250 2.0.0 Ok", "mx.c.example")))
                .withNextAttempt(2, NOW.plusSeconds(600));

        String text = show(m, null);

        assertThat(text)
                .contains("Queue ID:     3F2A9C1B7D\n")
                .contains("Size:         1234 bytes\n")
                .contains("Arrived:      2025-11-22 08:58:00 +0000 (3h 2m ago)\n")
                .contains("Sender:       <a@example.com>\n")
                .contains("Client:       [192.0.2.1] helo=client.example\n")
                .contains("Origin:       internet (never signed with our DKIM keys)\n")
                .contains("Attempts:     2\n")
                .contains("Next attempt: 2025-11-22 12:10:00 +0000 (in 10m)\n")
                .contains(
                        "  <x@b.example>  pending\n    remote host: mx.b.example\n    last reply:  451 4.3.0 Try again later\n")
                .contains("  <y@c.example>  delivered\n")
                .doesNotContain("content");
    }

    @Test
    void aFailedRecipientShowsItsBounceCategory() throws Exception {
        QueuedMessage m = message("3F2A9C1B7E", "a@example.com", NOW.minusSeconds(60), 10, "x@b.example");
        m = m.withRecipients(List.of(m.recipients().get(0).with(State.PENDING, "421 4.7.0 [TSS04] slow down", "mx")))
                .withNextAttempt(1, NOW.plusSeconds(600));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new QueueShow(ZoneOffset.UTC, NOW, r -> "rate_limited")
                .write(m, null, new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertThat(bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"))
                .contains("    last reply:  421 4.7.0 [TSS04] slow down\n    category:    rate_limited\n");
    }

    @Test
    void bodyIsPrintedOnlyWhenAskedFor() throws Exception {
        QueuedMessage m = message("AAA1", "", NOW.minusSeconds(5), 20, "x@b.example");

        String text = show(m, "Subject: hi\r\n\r\nbody line\r\n");

        assertThat(text)
                .contains("Sender:       <> (a bounce)\n")
                .contains("Next attempt: now")
                .contains("-------- content --------\nSubject: hi\n\nbody line\n-------- end of content --------\n");
    }
}
