package org.karavel.dnsbl.internal;

/**
 * The outcome of one block-list question.
 *
 * @param client whether the subject is the client address (ZEN) rather than a domain (DBL)
 * @param list the zone name shown to clients (never the DQS key)
 * @param subject what was looked up: the client address or a domain
 * @param code the listing answer (e.g. {@code 127.0.0.2}), null unless listed
 * @param reason the TXT text of a listing, null if none
 */
record Lookup(Kind kind, boolean client, String list, String subject, String code, String reason) {
    enum Kind {
        LISTED,
        NOT_LISTED,
        /** An error answer from the list (never a listing). */
        ERROR,
        /** No answer: SERVFAIL or timeout. */
        FAILED
    }

    boolean listed() {
        return kind == Kind.LISTED;
    }
}
