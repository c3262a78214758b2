package org.karavel.delivery.internal;

import java.util.Locale;

/**
 * Why a delivery failed, in the words of the mail log's {@code category=} field, the DSN and the
 * {@code karavel_delivery_failures_total} metric: what a sender acts on (stop mailing, slow down,
 * fix DNS or authentication).
 */
enum BounceCategory {
    INVALID_RECIPIENT,
    BAD_DOMAIN,
    MAILBOX_FULL,
    MESSAGE_TOO_LARGE,
    SPAM_RELATED,
    POLICY_RELATED,
    /** DMARC, SPF or DKIM refusals. */
    AUTHENTICATION_FAILURE,
    RATE_LIMITED,
    TLS_FAILURE,
    CONNECTION_FAILURE,
    OTHER;

    /** As written in the log, the DSN and the metric label, e.g. {@code invalid_recipient}. */
    String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The category of a word from the rules file, or null when there is none by that name. */
    static BounceCategory of(String word) {
        for (BounceCategory c : values()) {
            if (c.word().equals(word)) {
                return c;
            }
        }
        return null;
    }
}
