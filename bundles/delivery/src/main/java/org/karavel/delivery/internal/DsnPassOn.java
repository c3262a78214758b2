package org.karavel.delivery.internal;

import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.DsnRequest;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.Xtext;

/**
 * The DSN parameters passed on to a next hop that offers DSN (RFC 3461 §5.2): RET and ENVID on
 * MAIL, NOTIFY and ORCPT on RCPT, each only when the client gave it, ENVID and ORCPT encoded again
 * as xtext (ORCPT of type utf-8 as RFC 6533's utf-8-addr-xtext, plain ASCII).
 */
final class DsnPassOn {
    private DsnPassOn() {}

    /** " RET=HDRS ENVID=..." or empty. */
    static String mailParameters(Envelope env) {
        StringBuilder sb = new StringBuilder();
        if (!env.dsnReturn().isEmpty()) {
            sb.append(" RET=").append(env.dsnReturn());
        }
        if (!env.envelopeId().isEmpty()) {
            sb.append(" ENVID=").append(Xtext.encode(env.envelopeId()));
        }
        return sb.toString();
    }

    /** " NOTIFY=SUCCESS,DELAY ORCPT=rfc822;..." or empty. */
    static String rcptParameters(Envelope env, MailAddress recipient) {
        DsnRequest dsn = env.dsnRequest(recipient);
        StringBuilder sb = new StringBuilder();
        if (dsn.notifyGiven()) {
            sb.append(" NOTIFY=").append(dsn.notifyValue());
        }
        if (!dsn.originalRecipient().isEmpty()) {
            String type = dsn.originalRecipientType();
            String address = dsn.originalRecipientAddress();
            sb.append(" ORCPT=")
                    .append(dsn.originalRecipient(), 0, dsn.originalRecipient().indexOf(';') + 1)
                    .append(type.equals("utf-8") ? Xtext.encodeUtf8Address(address) : Xtext.encode(address));
        }
        return sb.toString();
    }
}
