package org.karavel.delivery.internal;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.QueuedMessage;

/** Some pending recipients of one message that go to one destination in one transaction. */
final class DeliveryJob {
    private final MessageAttempt attempt;
    private final Destination destination;
    private final List<Integer> indexes;

    DeliveryJob(MessageAttempt attempt, Destination destination, List<Integer> indexes) {
        this.attempt = attempt;
        this.destination = destination;
        this.indexes = List.copyOf(indexes);
    }

    MessageAttempt attempt() {
        return attempt;
    }

    QueuedMessage message() {
        return attempt.message();
    }

    Destination destination() {
        return destination;
    }

    /** Positions of this job's recipients in the envelope. */
    List<Integer> indexes() {
        return indexes;
    }

    MailAddress recipient(int index) {
        return attempt.message().recipients().get(index).recipient();
    }

    List<MailAddress> recipients() {
        List<MailAddress> r = new ArrayList<>();
        for (int i : indexes) {
            r.add(recipient(i));
        }
        return r;
    }

    /** The same result for every recipient of this job. */
    List<RecipientResult> all(
            RecipientResult.Outcome outcome,
            String status,
            String reply,
            String remoteHost,
            String relay,
            Clock clock) {
        return all(outcome, status, reply, remoteHost, relay, "", clock);
    }

    /** The same result for every recipient of this job, with the TLS outcome for the mail log. */
    List<RecipientResult> all(
            RecipientResult.Outcome outcome,
            String status,
            String reply,
            String remoteHost,
            String relay,
            String tls,
            Clock clock) {
        List<RecipientResult> r = new ArrayList<>();
        for (int i : indexes) {
            r.add(new RecipientResult(
                    i, recipient(i), outcome, status, reply, remoteHost, relay, clock.instant(), tls));
        }
        return r;
    }

    @Override
    public String toString() {
        return attempt.message().id() + "->" + destination;
    }
}
