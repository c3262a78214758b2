package org.karavel.smtp.internal;

import org.karavel.api.filter.SessionView;
import org.karavel.api.queue.Origin;

/**
 * How a message came in over SMTP, stored with it so that delivery signs with our DKIM keys only
 * mail that originates here: an authenticated user's, or a relay host's (the relay policy marks
 * those sessions at connect); anything else is the Internet's, whatever its From header says.
 */
final class ReceiptOrigin {
    private ReceiptOrigin() {}

    /** @param authUser the authenticated user, or null */
    static Origin of(SessionView session, String authUser, String clientIp) {
        if (authUser != null) {
            return Origin.submission(authUser);
        }
        if (Boolean.TRUE.equals(session.attributes().get(SessionView.RELAY_CLIENT))) {
            return Origin.relayHost(clientIp);
        }
        return Origin.internet(clientIp);
    }
}
