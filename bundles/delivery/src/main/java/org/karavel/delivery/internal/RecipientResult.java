package org.karavel.delivery.internal;

import java.time.Instant;
import org.karavel.api.address.MailAddress;

/**
 * What one attempt did for one recipient.
 *
 * @param index the recipient's position in the envelope
 * @param recipient the envelope recipient
 * @param outcome delivered, deferred or bounced
 * @param status the RFC 3463 enhanced status code (e.g. {@code 5.1.1}), derived when the reply has none
 * @param reply the reply or the error, as logged and recorded
 * @param remoteHost the host name that gave the reply, empty when none was reached
 * @param relay where it went, for the mail log: {@code host[ip]:port}, {@code local}, {@code none}
 * @param at when the result came
 * @param tls the TLS part of the mail log line ({@code TlsVerdict.logText()}) for remote SMTP, else empty
 */
record RecipientResult(
        int index,
        MailAddress recipient,
        Outcome outcome,
        String status,
        String reply,
        String remoteHost,
        String relay,
        Instant at,
        String tls) {

    RecipientResult {
        tls = tls == null ? "" : tls;
    }

    /** A result without TLS information (local delivery, nothing reached). */
    RecipientResult(
            int index,
            MailAddress recipient,
            Outcome outcome,
            String status,
            String reply,
            String remoteHost,
            String relay,
            Instant at) {
        this(index, recipient, outcome, status, reply, remoteHost, relay, at, "");
    }

    enum Outcome {
        DELIVERED,
        DEFERRED,
        BOUNCED
    }
}
