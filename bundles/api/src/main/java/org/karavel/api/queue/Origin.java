package org.karavel.api.queue;

import java.util.Locale;
import java.util.Objects;

/**
 * How a message entered Karavel, recorded at receipt and kept with it in the spool. Delivery signs
 * with our DKIM keys only mail that {@link #originatesHere() originates here}; mail from the
 * Internet is never signed, whatever its From header says.
 *
 * @param kind the way in
 * @param identity who: the authenticated user, the admin, the relay host's address, the client's
 *     address for Internet mail, or what Karavel made (e.g. {@code dsn}); may be empty
 */
public record Origin(Kind kind, String identity) {
    /** The ways in. */
    public enum Kind {
        /** Unauthenticated SMTP from a client that is not one of the relay hosts. */
        INTERNET,
        /** SMTP with AUTH: the identity is the user. */
        SUBMISSION,
        /** SMTP from one of the relay policy's {@code relay_hosts} (the operator's own hosts). */
        RELAY_HOST,
        /** Handed in over the admin HTTP API: the identity is the admin user (empty for trusted loopback). */
        ADMIN_API,
        /** Made by Karavel itself: delivery status notifications, TLS reports. */
        LOCAL;

        /** The name used in logs and storage, e.g. {@code relay_host}. */
        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The kind of a {@link #code()}; IllegalArgumentException for an unknown one. */
        public static Kind ofCode(String code) {
            return valueOf(code.toUpperCase(Locale.ROOT));
        }
    }

    public Origin {
        Objects.requireNonNull(kind, "kind");
        identity = identity == null ? "" : identity;
    }

    public static Origin internet(String clientAddress) {
        return new Origin(Kind.INTERNET, clientAddress);
    }

    public static Origin submission(String user) {
        return new Origin(Kind.SUBMISSION, user);
    }

    public static Origin relayHost(String clientAddress) {
        return new Origin(Kind.RELAY_HOST, clientAddress);
    }

    public static Origin adminApi(String admin) {
        return new Origin(Kind.ADMIN_API, admin);
    }

    public static Origin local(String what) {
        return new Origin(Kind.LOCAL, what);
    }

    /**
     * The origin of an envelope made without one (by a caller or a spool record older than origins):
     * listener {@code local} is Karavel's own mail, {@code admin} the admin API, an authenticated user
     * a submission, anything else the Internet. A relay host cannot be told apart from the Internet
     * this way, so its mail counts as the Internet's (it goes out unsigned rather than signed wrongly).
     */
    public static Origin inferred(String listenerName, String authenticatedUser) {
        if ("local".equals(listenerName)) {
            return local("");
        }
        if ("admin".equals(listenerName)) {
            return adminApi(authenticatedUser);
        }
        if (authenticatedUser != null && !authenticatedUser.isEmpty()) {
            return submission(authenticatedUser);
        }
        return internet("");
    }

    /** Whether the message originates here, so that our DKIM keys may sign it: every kind but the Internet. */
    public boolean originatesHere() {
        return kind != Kind.INTERNET;
    }

    /** {@code kind} or {@code kind (identity)}, e.g. {@code submission (alice@example.com)}. */
    @Override
    public String toString() {
        return identity.isEmpty() ? kind.code() : kind.code() + " (" + identity + ")";
    }
}
