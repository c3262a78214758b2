package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.shell.internal.QueueFixtures.address;
import static org.karavel.shell.internal.QueueFixtures.message;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.RecipientStatus.State;

class QueueListingTest {
    private static final Instant RECEIVED = Instant.parse("2025-11-22T05:32:10Z");
    private static final Instant NOW = Instant.parse("2025-11-22T06:00:00Z");
    private final QueueListing listing = new QueueListing(ZoneOffset.UTC, NOW);

    private String list(List<QueuedMessage> messages, String domain) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            listing.write(messages, domain, out);
        }
        return bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }

    @Test
    void emptyQueue() {
        assertThat(list(List.of(), null)).isEqualTo("Mail queue is empty\n");
    }

    @Test
    void oneBlockPerMessageLikeMailq() {
        QueuedMessage deferred =
                message("3F2A9C1B7D", "sender@example.com", RECEIVED, 1234, "rcpt@b.example", "other@c.example");
        deferred = deferred.withRecipients(List.of(
                        deferred.recipients()
                                .get(0)
                                .with(State.PENDING, "451 4.3.0 Try again later", "mx.b.example[192.0.2.25]:25"),
                        deferred.recipients()
                                .get(1)
                                .with(State.DELIVERED, "250 2.0.0 Ok: queued as X", "mx.c.example[192.0.2.26]:25")))
                .withNextAttempt(2, Instant.parse("2025-11-22T06:10:00Z"));
        QueuedMessage bounce = message("A1B2C3", "", RECEIVED.plusSeconds(60), 2048, "postmaster@example.com");

        assertThat(list(List.of(deferred, bounce), null)).isEqualTo("""
                -Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------
                3F2A9C1B7D      1234 Sat Nov 22 05:32:10  sender@example.com
                                     attempts 2, next Sat Nov 22 06:10:00
                                                          rcpt@b.example (pending)
                                                            mx.b.example[192.0.2.25]:25: 451 4.3.0 Try again later
                                                          other@c.example (delivered)
                                                            mx.c.example[192.0.2.26]:25: 250 2.0.0 Ok: queued as X

                A1B2C3*         2048 Sat Nov 22 05:33:10  MAILER-DAEMON
                                                          postmaster@example.com (pending)

                -- 4 Kbytes in 2 Requests.
                """);
    }

    @Test
    void bouncedRecipientsAndMultiLineReplies() {
        QueuedMessage m = message("B0B0", "a@example.com", RECEIVED, 10, "gone@d.example");
        m = m.withRecipients(List.of(new RecipientStatus(
                        address("gone@d.example"), State.BOUNCED, "550-5.1.1 No such user\r\n550 5.1.1 Really", "")))
                .withNextAttempt(1, RECEIVED)
                .withBounced(true);

        assertThat(list(List.of(m), null)).isEqualTo("""
                -Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------
                B0B0              10 Sat Nov 22 05:32:10  a@example.com
                                     attempts 1, bounce sent
                                                          gone@d.example (bounced)
                                                            550-5.1.1 No such user / 550 5.1.1 Really

                -- 1 Kbytes in 1 Request.
                """);
    }

    @Test
    void eachFailedRecipientShowsItsBounceCategory() {
        QueuedMessage m = message("C0C0", "a@example.com", RECEIVED, 10, "gone@d.example", "ok@d.example");
        m = m.withRecipients(List.of(
                        new RecipientStatus(
                                address("gone@d.example"), State.BOUNCED, "550 5.1.1 No such user", "mx.d.example"),
                        new RecipientStatus(address("ok@d.example"), State.DELIVERED, "250 2.0.0 Ok", "mx.d.example")))
                .withNextAttempt(1, RECEIVED);
        // what delivery's DeliveryControl.failureCategory answers: empty for a recipient that did not fail
        QueueListing withCategories =
                new QueueListing(ZoneOffset.UTC, NOW, r -> r.state() == State.BOUNCED ? "invalid_recipient" : "");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            withCategories.write(List.of(m), null, out);
        }

        assertThat(bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"))
                .contains("gone@d.example (bounced, invalid_recipient)\n")
                .contains("ok@d.example (delivered)\n");
    }

    @Test
    void domainFilterShowsMatchingMessagesAndRecipientsOnly() {
        QueuedMessage both = message("AAA1", "s@example.com", RECEIVED, 100, "x@b.example", "y@C.Example");
        QueuedMessage other = message("AAA2", "s@example.com", RECEIVED.plusSeconds(1), 5000, "z@d.example");

        String out = list(List.of(both, other), "c.example.");
        assertThat(out)
                .contains("AAA1")
                .contains("y@C.Example (pending)")
                .doesNotContain("x@b.example")
                .doesNotContain("AAA2")
                .endsWith("-- 1 Kbytes in 1 Request.\n");
        assertThat(list(List.of(both, other), "nowhere.example"))
                .isEqualTo("No mail for nowhere.example in the queue\n");
        assertThat(list(List.of(both, other), " "))
                .as("blank means no filter")
                .contains("AAA1")
                .contains("AAA2");
    }

    @Test
    void kbytesAreRoundedUp() {
        assertThat(list(List.of(message("C1", "a@b.example", RECEIVED, 1025, "c@d.example")), null))
                .endsWith("-- 2 Kbytes in 1 Request.\n");
        assertThat(list(List.of(message("C1", "a@b.example", RECEIVED, 0, "c@d.example")), null))
                .endsWith("-- 0 Kbytes in 1 Request.\n");
    }
}
