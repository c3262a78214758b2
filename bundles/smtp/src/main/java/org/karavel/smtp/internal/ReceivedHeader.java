package org.karavel.smtp.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.QueueId;

/**
 * The trace field Karavel puts on top of every message it receives (RFC 5321 §4.4), e.g.
 * <pre>
 * Received: from client.example (unknown [192.0.2.1])
 * 	by mx.example (Karavel) with ESMTP id 3F2A9C1B7D
 * 	for &lt;rcpt@example.org&gt;; Tue, 3 Jun 2025 11:05:30 +0200
 * </pre>
 * On an encrypted session a line {@code (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)} follows
 * the "from" clause, as Postfix writes it, and the protocol is ESMTPS or ESMTPSA (RFC 3848).
 * The queue id is filled in last, as it is only known once the spool has made the draft.
 */
final class ReceivedHeader {
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);

    private final String helo;
    private final String reverseName;
    private final String clientLiteral;
    private final String hostname;
    private final String protocol;
    private final MailAddress soleRecipient;
    private final String date;
    private final String tlsClause;

    /**
     * @param soleRecipient the recipient when there is exactly one, else null (no "for" clause,
     *     so that recipients do not learn of each other)
     */
    ReceivedHeader(
            String helo,
            String reverseName,
            InetAddress client,
            String hostname,
            String protocol,
            MailAddress soleRecipient,
            ZonedDateTime when) {
        this(helo, reverseName, client, hostname, protocol, soleRecipient, when, null, null);
    }

    /**
     * @param tlsProtocol with tlsCipher, the TLS parameters of an encrypted session (a Postfix-like
     *     {@code (using TLSv1.3 with cipher ...)} clause); null for clear text. Never any credential.
     */
    ReceivedHeader(
            String helo,
            String reverseName,
            InetAddress client,
            String hostname,
            String protocol,
            MailAddress soleRecipient,
            ZonedDateTime when,
            String tlsProtocol,
            String tlsCipher) {
        this.tlsClause = tlsProtocol == null ? null : "(using " + tlsProtocol + " with cipher " + tlsCipher + ")";
        this.helo = helo;
        this.reverseName = reverseName == null || reverseName.isEmpty() ? "unknown" : reverseName;
        this.clientLiteral = addressLiteral(client);
        this.hostname = hostname;
        this.protocol = protocol;
        this.soleRecipient = soleRecipient;
        this.date = DATE.format(when);
    }

    /**
     * The "with" keyword of RFC 3848 / RFC 6531: SMTP for HELO, ESMTP for EHLO, UTF8SMTP for an
     * SMTPUTF8 transaction, with S for TLS and A for an authenticated client.
     */
    static String protocol(boolean extended, boolean utf8, boolean tls, boolean authenticated) {
        if (!extended) {
            return "SMTP";
        }
        String base = utf8 ? "UTF8SMTP" : "ESMTP";
        return base + (tls ? "S" : "") + (authenticated ? "A" : "");
    }

    /** The address as written in an address literal: {@code 192.0.2.1} or {@code IPv6:2001:db8::1}. */
    static String addressLiteral(InetAddress address) {
        String text = plainAddress(address);
        return address instanceof Inet6Address ? "IPv6:" + text : text;
    }

    /** The address as text without an IPv6 scope ({@code %eth0}), as in logs and the Envelope. */
    static String plainAddress(InetAddress address) {
        String text = address.getHostAddress();
        int scope = text.indexOf('%');
        return scope >= 0 ? text.substring(0, scope) : text;
    }

    String render(QueueId id) {
        StringBuilder sb = new StringBuilder(200);
        sb.append("Received: from ")
                .append(helo)
                .append(" (")
                .append(reverseName)
                .append(" [")
                .append(clientLiteral)
                .append("])\r\n");
        if (tlsClause != null) {
            sb.append('\t').append(tlsClause).append("\r\n");
        }
        sb.append("\tby ")
                .append(hostname)
                .append(" (Karavel) with ")
                .append(protocol)
                .append(" id ")
                .append(id.value());
        if (soleRecipient != null) {
            sb.append("\r\n\tfor ").append(soleRecipient.toPath());
        }
        sb.append("; ").append(date).append("\r\n");
        return sb.toString();
    }
}
