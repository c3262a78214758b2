package org.karavel.api.queue;

import java.util.Objects;
import org.karavel.api.address.MailAddress;

/**
 * Where delivery to one recipient of a queued message stands.
 *
 * @param recipient the envelope recipient
 * @param state pending until delivered or bounced
 * @param lastReply the last reply or error from an attempt (empty before the first)
 * @param remoteHost the host that gave {@code lastReply} (empty if none was reached)
 */
public record RecipientStatus(MailAddress recipient, State state, String lastReply, String remoteHost) {
    public enum State {
        /** Not yet delivered: due now or deferred. */
        PENDING,
        /** Accepted by the next hop or written to the mailbox. */
        DELIVERED,
        /** Failed for good; a delivery status notification was (or will be) sent. */
        BOUNCED
    }

    public RecipientStatus {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(state, "state");
        lastReply = lastReply == null ? "" : lastReply;
        remoteHost = remoteHost == null ? "" : remoteHost;
    }

    public static RecipientStatus pending(MailAddress recipient) {
        return new RecipientStatus(recipient, State.PENDING, "", "");
    }

    public RecipientStatus with(State newState, String reply, String host) {
        return new RecipientStatus(recipient, newState, reply, host);
    }

    public boolean isPending() {
        return state == State.PENDING;
    }
}
