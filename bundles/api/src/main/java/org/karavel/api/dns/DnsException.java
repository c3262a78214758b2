package org.karavel.api.dns;

/** A DNS question that got no usable answer. */
public class DnsException extends Exception {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** NXDOMAIN: the name does not exist. Permanent. */
        NO_SUCH_DOMAIN,
        /** SERVFAIL, REFUSED or a malformed answer. Temporary. */
        SERVER_FAILURE,
        /** No answer in time. Temporary. */
        TIMEOUT
    }

    private final Reason reason;

    public DnsException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** Whether asking again later may give another answer. */
    public boolean isTemporary() {
        return reason != Reason.NO_SUCH_DOMAIN;
    }
}
