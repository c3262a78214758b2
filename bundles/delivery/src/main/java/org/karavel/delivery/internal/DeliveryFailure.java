package org.karavel.delivery.internal;

import org.karavel.api.maillog.MailLogLine;

/**
 * A destination that could not be reached at all (DNS, connection, greeting): every recipient of
 * the job gets this outcome.
 */
final class DeliveryFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final RecipientResult.Outcome outcome;
    private final String status;
    private final String reply;
    private final String remoteHost;
    private final String relay;
    private final String tls;

    DeliveryFailure(RecipientResult.Outcome outcome, String status, String reply, String remoteHost, String relay) {
        this(outcome, status, reply, remoteHost, relay, "");
    }

    /** @param tls the TLS outcome of the last host tried, for the mail log ({@code TlsVerdict.logText()}), or empty */
    DeliveryFailure(
            RecipientResult.Outcome outcome, String status, String reply, String remoteHost, String relay, String tls) {
        super(reply, null, false, false);
        this.tls = tls == null ? "" : tls;
        this.outcome = outcome;
        this.status = status;
        this.reply = reply;
        this.remoteHost = remoteHost == null ? "" : remoteHost;
        this.relay = relay == null ? MailLogLine.RELAY_NONE : relay;
    }

    static DeliveryFailure deferred(String status, String reply) {
        return new DeliveryFailure(RecipientResult.Outcome.DEFERRED, status, reply, "", MailLogLine.RELAY_NONE);
    }

    static DeliveryFailure bounced(String status, String reply) {
        return new DeliveryFailure(RecipientResult.Outcome.BOUNCED, status, reply, "", MailLogLine.RELAY_NONE);
    }

    RecipientResult.Outcome outcome() {
        return outcome;
    }

    String status() {
        return status;
    }

    String reply() {
        return reply;
    }

    String remoteHost() {
        return remoteHost;
    }

    String relay() {
        return relay;
    }

    String tls() {
        return tls;
    }
}
