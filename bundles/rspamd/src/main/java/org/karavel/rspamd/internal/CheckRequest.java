package org.karavel.rspamd.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.util.regex.Pattern;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.SessionView;

/**
 * The {@code POST /checkv2} for one message, with the envelope and the connection facts as Rspamd's
 * protocol headers (IP, Helo, Hostname, From, one Rcpt per recipient, User, TLS-Cipher, TLS-Version,
 * Settings-ID, Password). The body is streamed from {@link MessageView#open()} by the HTTP
 * client's own threads, chunked (Rspamd reads chunked bodies), so nothing waits on a network thread
 * and the message is never held in memory whole. No Queue-Id: the queue id is given only once the
 * filters have answered.
 */
final class CheckRequest {
    /**
     * What the JDK's client writes in a header value: printable ASCII (it sends other characters as
     * {@code ?} or refuses them), so the rest is made {@code ?} here, where it cannot fail a scan.
     */
    private static final Pattern UNSAFE = Pattern.compile("[^\\x20-\\x7e]");

    private CheckRequest() {}

    static HttpRequest build(RspamdSettings settings, SessionView session, EnvelopeView envelope, MessageView message) {
        HttpRequest.Builder b = HttpRequest.newBuilder(settings.checkUri())
                .timeout(settings.timeout())
                .header("IP", session.clientAddress().getAddress().getHostAddress())
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> {
                    try {
                        return message.open();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }));
        session.heloName().ifPresent(h -> b.header("Helo", safe(h)));
        session.clientReverseName().ifPresent(h -> b.header("Hostname", safe(h)));
        MailAddress sender = envelope.sender();
        b.header("From", sender == null || sender.isNullSender() ? "<>" : address(sender));
        for (MailAddress r : envelope.recipients()) {
            b.header("Rcpt", address(r));
        }
        session.authenticatedUser().ifPresent(u -> b.header("User", safe(u)));
        session.tls().ifPresent(t -> {
            b.header("TLS-Version", safe(t.protocol()));
            b.header("TLS-Cipher", safe(t.cipherSuite()));
        });
        String settingsId = settings.settingsIds().get(session.listenerName());
        if (settingsId != null) {
            b.header("Settings-ID", settingsId);
        }
        settings.password().ifPresent(p -> b.header("Password", safe(p)));
        return b.build();
    }

    /** The address with its domain in A-labels, so that only a UTF-8 local part loses characters. */
    private static String address(MailAddress a) {
        return safe(a.localPart() + "@" + (a.isAddressLiteral() ? a.domain() : a.domainKey()));
    }

    private static String safe(String value) {
        return UNSAFE.matcher(value).replaceAll("?");
    }
}
