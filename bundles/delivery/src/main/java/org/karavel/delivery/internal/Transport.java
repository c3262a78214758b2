package org.karavel.delivery.internal;

import java.util.List;
import org.karavel.api.shaping.SiteLimits;

/** How a destination is reached: remote SMTP, LMTP or Maildir. */
interface Transport {
    /**
     * Opens a session to the destination (DNS, connect, greeting, EHLO).
     *
     * @throws DeliveryFailure when the destination cannot be reached; every queued job for it gets that result
     */
    Session open(Destination destination) throws DeliveryFailure, InterruptedException;

    /**
     * Opens a session under a shaping site's terms (connect and greeting time limits, a stricter TLS
     * mode); transports that make no remote connection ignore them.
     *
     * @param site the site's limits as the worker read them, or null when the destination is not shaped
     */
    default Session open(Destination destination, SiteLimits site) throws DeliveryFailure, InterruptedException {
        return open(destination);
    }

    /** An open connection (or its equivalent) that delivers jobs one after the other. */
    interface Session {
        /**
         * Delivers one job.
         *
         * @throws StaleSessionException when a reused connection turned out dead before anything was sent
         */
        List<RecipientResult> deliver(DeliveryJob job) throws StaleSessionException;

        /** Whether another job may go over this session. */
        boolean isReusable();

        /** Ends the session (QUIT) and releases it. */
        void close();
    }

    /** A cached connection closed by the peer meanwhile; the job is retried on a new one. */
    final class StaleSessionException extends Exception {
        private static final long serialVersionUID = 1L;

        StaleSessionException(String message) {
            super(message, null, false, false);
        }
    }
}
