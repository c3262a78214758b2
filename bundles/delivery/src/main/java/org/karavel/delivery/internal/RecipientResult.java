package org.karavel.delivery.internal;

import java.time.Instant;
import org.karavel.api.address.MailAddress;
import org.karavel.api.maillog.MailLogLine;

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
 * @param handoff for a delivered recipient, what its acceptance means for a success DSN; null: final
 *     for Maildir and LMTP, relayed for anything else
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
        String tls,
        Handoff handoff) {

    RecipientResult {
        tls = tls == null ? "" : tls;
        if (handoff == null) {
            boolean here = MailLogLine.RELAY_LOCAL.equals(relay) || (relay != null && relay.startsWith("lmtp["));
            handoff = here ? Handoff.FINAL : Handoff.RELAYED;
        }
    }

    /** A result whose handoff follows from the relay. */
    RecipientResult(
            int index,
            MailAddress recipient,
            Outcome outcome,
            String status,
            String reply,
            String remoteHost,
            String relay,
            Instant at,
            String tls) {
        this(index, recipient, outcome, status, reply, remoteHost, relay, at, tls, null);
    }

    /**
     * What the acceptance of a delivered recipient means for the DSN extension (RFC 3461 §5.2), as
     * Postfix decides it.
     */
    enum Handoff {
        /** Final delivery here (Maildir, LMTP without DSN): a success DSN says {@code delivered}. */
        FINAL,
        /** Accepted by a next hop that does not offer DSN: a success DSN says {@code relayed}. */
        RELAYED,
        /** Accepted by a next hop that offers DSN, with NOTIFY/ORCPT passed on: it reports, not we. */
        PASSED_ON
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
