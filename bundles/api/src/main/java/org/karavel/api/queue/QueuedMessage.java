package org.karavel.api.queue;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A message in the spool: its envelope, where each recipient stands, and when to try next.
 *
 * @param id the queue id
 * @param envelope as received
 * @param recipients one status per envelope recipient, in the same order
 * @param size the content size in octets
 * @param attempts how many delivery attempts were made so far
 * @param nextAttempt when the message is due next
 * @param bounced whether a bounce (DSN) for failed recipients has been queued already
 * @param delayWarned whether the delay DSN (RFC 3464 action {@code delayed}) was queued already: at
 *     most one per message, also across restarts
 */
public record QueuedMessage(
        QueueId id,
        Envelope envelope,
        List<RecipientStatus> recipients,
        long size,
        int attempts,
        Instant nextAttempt,
        boolean bounced,
        boolean delayWarned) {

    /** A message for which no delay DSN was sent (callers from before delay DSNs). */
    public QueuedMessage(
            QueueId id,
            Envelope envelope,
            List<RecipientStatus> recipients,
            long size,
            int attempts,
            Instant nextAttempt,
            boolean bounced) {
        this(id, envelope, recipients, size, attempts, nextAttempt, bounced, false);
    }

    public QueuedMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(envelope, "envelope");
        recipients = List.copyOf(recipients);
        Objects.requireNonNull(nextAttempt, "nextAttempt");
    }

    /** Whether every recipient is delivered or bounced, so the message can leave the spool. */
    public boolean isFinished() {
        return recipients.stream().noneMatch(RecipientStatus::isPending);
    }

    public List<RecipientStatus> pending() {
        return recipients.stream().filter(RecipientStatus::isPending).toList();
    }

    public QueuedMessage withRecipients(List<RecipientStatus> newRecipients) {
        return new QueuedMessage(id, envelope, newRecipients, size, attempts, nextAttempt, bounced, delayWarned);
    }

    public QueuedMessage withNextAttempt(int newAttempts, Instant when) {
        return new QueuedMessage(id, envelope, recipients, size, newAttempts, when, bounced, delayWarned);
    }

    public QueuedMessage withBounced(boolean isBounced) {
        return new QueuedMessage(id, envelope, recipients, size, attempts, nextAttempt, isBounced, delayWarned);
    }

    public QueuedMessage withDelayWarned(boolean warned) {
        return new QueuedMessage(id, envelope, recipients, size, attempts, nextAttempt, bounced, warned);
    }
}
