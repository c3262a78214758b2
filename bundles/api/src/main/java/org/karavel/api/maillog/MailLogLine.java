package org.karavel.api.maillog;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.QueueId;

/**
 * The lines of the mail log (logger {@code karavel.mail}), one per message event, all in one shape
 * so that {@code grep ID mail.log} tells a message's story and one parser reads every line:
 *
 * <pre>ID: event field=value field=value (free text)</pre>
 *
 * <ul>
 *   <li>{@code ID} is the queue id, or {@code NOQUEUE} when the message has none (yet);
 *   <li>the event is one lower-case word; its fields come in a fixed order, and a field that does
 *       not apply to this line is left out, never written empty;
 *   <li>envelope addresses as in SMTP, {@code <a@b.example>} ({@code <>} for the null sender);
 *       names a client chose (HELO, user) also in {@code <…>}; IP addresses in {@code […]}; every
 *       other value bare;
 *   <li>free text (an SMTP reply, an error, a reason) comes last, in parentheses.
 * </ul>
 *
 * One event is always one line: control characters become a space in free text and {@code ?}
 * elsewhere, as do {@code <} and {@code >} inside {@code <…>} and white space in a bare value.
 * This class formats and never logs: each bundle writes the lines to its own logger {@code
 * karavel.mail}. The README's "The mail log" section is the reference for parsers; {@code
 * maillog-golden.txt} in this bundle's tests holds one line of each event.
 */
public final class MailLogLine {
    /** The id part of a line about a message that has no queue id. */
    public static final String NOQUEUE = "NOQUEUE";
    /** The relay of a result when no host was reached. */
    public static final String RELAY_NONE = "none";
    /** The relay of a local (Maildir) delivery. */
    public static final String RELAY_LOCAL = "local";

    /** Who took a message out of the queue, the {@code by=} field of {@code removed}. */
    public enum RemovedBy {
        /** Every recipient has its final outcome (delivered, bounced, expired, bounced by the operator). */
        DELIVERY("delivery"),
        /** The operator's {@code mta:queue-delete} in the Karaf shell. */
        SHELL("shell"),
        /** {@code DELETE /api/v1/queue/messages/ID} of the admin API. */
        ADMIN("admin");

        private final String word;

        RemovedBy(String word) {
            this.word = word;
        }

        /** As written in the line, e.g. {@code shell}. */
        public String word() {
            return word;
        }
    }

    private final StringBuilder sb = new StringBuilder(160);

    private MailLogLine() {}

    private MailLogLine(String id, String event) {
        sb.append(id).append(": ").append(event);
    }

    private MailLogLine(QueueId id, String event) {
        this(id == null ? NOQUEUE : id.value(), event);
    }

    /**
     * {@code ID: received from=<s> size=n nrcpt=n client=[ip] helo=<h> user=<u> listener=name}: a
     * message was queued (SMTP or the admin API).
     *
     * @param helo the HELO/EHLO name, null when the message did not come over SMTP
     * @param user the authenticated user, null or empty when none
     */
    public static String received(
            QueueId id,
            MailAddress from,
            long size,
            int nrcpt,
            String clientIp,
            String helo,
            String user,
            String listener) {
        return new MailLogLine(Objects.requireNonNull(id, "id"), "received")
                .address("from", from)
                .bare("size", Long.toString(size))
                .bare("nrcpt", Integer.toString(nrcpt))
                .ip("client", clientIp)
                .name("helo", helo)
                .name("user", user)
                .bare("listener", listener)
                .toString();
    }

    /**
     * {@code NOQUEUE: reject stage=RCPT from=<s> to=<r> client=[ip] helo=<h> (554 5.7.1 text)}: an
     * SMTP command or message was refused with a 4xx/5xx reply.
     *
     * @param id the draft's id at END-OF-MESSAGE, else null ({@code NOQUEUE})
     * @param stage the SMTP stage: CONNECT, HELO, MAIL, RCPT, DATA, END-OF-MESSAGE
     * @param from the sender when known, else null; likewise {@code to} and {@code helo}
     * @param reply the reply sent, e.g. {@code 554 5.7.1 Relay access denied}
     */
    public static String reject(
            QueueId id, String stage, MailAddress from, MailAddress to, String clientIp, String helo, String reply) {
        return new MailLogLine(id, "reject")
                .bare("stage", stage)
                .address("from", from)
                .address("to", to)
                .ip("client", clientIp)
                .name("helo", helo)
                .text(reply)
                .toString();
    }

    /**
     * {@code ID: delivered to=<r> relay=h[ip]:port delay=0.4 attempts=1 tls=… status=sent (reply)}.
     *
     * @param relay {@link #relay}, {@link #lmtpRelay}, {@link #RELAY_LOCAL} or {@link #RELAY_NONE}
     * @param delay since the message was received
     * @param attempts the number of this attempt (1 for the first)
     * @param tls {@link #tls} for remote SMTP, else empty or null
     * @param reply the reply, or the error, that decided the outcome
     */
    public static String delivered(
            QueueId id, MailAddress to, String relay, Duration delay, int attempts, String tls, String reply) {
        return result(id, "delivered", "sent", to, relay, delay, attempts, tls, null, reply);
    }

    /**
     * {@code ID: deferred to=<r> relay=… delay=… attempts=n tls=… category=rate_limited
     * status=deferred (reply)}; see {@link #delivered}.
     *
     * @param category why it failed, e.g. {@code rate_limited}; null or empty leaves the field out
     */
    public static String deferred(
            QueueId id,
            MailAddress to,
            String relay,
            Duration delay,
            int attempts,
            String tls,
            String category,
            String reply) {
        return result(id, "deferred", "deferred", to, relay, delay, attempts, tls, category, reply);
    }

    /**
     * {@code ID: bounced to=<r> relay=… delay=… attempts=n tls=… category=invalid_recipient
     * status=bounced (reply)}: failed for good (a 5xx, the queue lifetime, or the operator); see
     * {@link #delivered}.
     *
     * @param category why it failed, e.g. {@code invalid_recipient}; null or empty leaves the field out
     */
    public static String bounced(
            QueueId id,
            MailAddress to,
            String relay,
            Duration delay,
            int attempts,
            String tls,
            String category,
            String reply) {
        return result(id, "bounced", "bounced", to, relay, delay, attempts, tls, category, reply);
    }

    /**
     * {@code ID: delivered to=<r> relay=… site=gmail delay=… attempts=n tls=… status=sent (reply)}:
     * as {@link #delivered}, with the traffic-shaping site of the recipient's domain.
     *
     * @param site the site (a shaping rule's name, or the recipient domain); null or empty leaves it out
     */
    public static String delivered(
            QueueId id,
            MailAddress to,
            String relay,
            String site,
            Duration delay,
            int attempts,
            String tls,
            String reply) {
        return result(id, "delivered", "sent", to, relay, site, delay, attempts, tls, null, reply);
    }

    /** {@code ID: deferred to=<r> relay=… site=gmail delay=… …}: as {@link #deferred}, with the site. */
    public static String deferred(
            QueueId id,
            MailAddress to,
            String relay,
            String site,
            Duration delay,
            int attempts,
            String tls,
            String category,
            String reply) {
        return result(id, "deferred", "deferred", to, relay, site, delay, attempts, tls, category, reply);
    }

    /** {@code ID: bounced to=<r> relay=… site=gmail delay=… …}: as {@link #bounced}, with the site. */
    public static String bounced(
            QueueId id,
            MailAddress to,
            String relay,
            String site,
            Duration delay,
            int attempts,
            String tls,
            String category,
            String reply) {
        return result(id, "bounced", "bounced", to, relay, site, delay, attempts, tls, category, reply);
    }

    /**
     * {@code ID: shaping site=gmail action=suspend until=2026-12-07T13:00:00Z (421 4.7.28 …)}: a
     * reaction rule acted on a site after the remote reply (given last) to the message {@code ID}.
     *
     * @param action {@code suspend}, {@code rate}, {@code connections} or {@code bounce}
     * @param limit the lowered limit ({@code 20/min}, {@code 2}), null for suspend and bounce
     * @param until when the action ends, null for bounce
     */
    public static String shaping(QueueId id, String site, String action, String limit, Instant until, String reply) {
        return new MailLogLine(id, "shaping")
                .bare("site", site)
                .bare("action", action)
                .bare("limit", limit)
                .bare(
                        "until",
                        until == null
                                ? null
                                : until.truncatedTo(ChronoUnit.SECONDS).toString())
                .text(reply)
                .toString();
    }

    private static String result(
            QueueId id,
            String event,
            String status,
            MailAddress to,
            String relay,
            Duration delay,
            int attempts,
            String tls,
            String category,
            String reply) {
        return result(id, event, status, to, relay, null, delay, attempts, tls, category, reply);
    }

    private static String result(
            QueueId id,
            String event,
            String status,
            MailAddress to,
            String relay,
            String site,
            Duration delay,
            int attempts,
            String tls,
            String category,
            String reply) {
        MailLogLine line = new MailLogLine(Objects.requireNonNull(id, "id"), event)
                .address("to", to)
                .bare("relay", relay)
                .bare("site", site == null || site.isEmpty() ? null : site)
                .bare("delay", delay(delay))
                .bare("attempts", Integer.toString(attempts));
        if (tls != null && !tls.isEmpty()) {
            // already made of fields by tls(); the free-form reply stays last
            line.sb.append(' ').append(clean(tls, ' '));
        }
        return line.bare("category", category == null || category.isEmpty() ? null : category)
                .bare("status", status)
                .text(reply)
                .toString();
    }

    /** {@code ID: removed by=delivery}: the message left the queue. */
    public static String removed(QueueId id, RemovedBy by) {
        return removed(id, by, null, null);
    }

    /**
     * {@code ID: removed by=admin client=[ip] user=<u>}: the message left the queue.
     *
     * @param clientIp the admin API client, else null
     * @param user the admin API user, null or empty when the client needed none
     */
    public static String removed(QueueId id, RemovedBy by, String clientIp, String user) {
        return new MailLogLine(Objects.requireNonNull(id, "id"), "removed")
                .bare("by", by.word())
                .ip("client", clientIp)
                .name("user", user)
                .toString();
    }

    /**
     * {@code KEY: quarantined (reason)}: a spool record could not be read at start and was set
     * aside; {@code KEY} is its key, the queue id unless the record is damaged.
     */
    public static String quarantined(String key, String reason) {
        return new MailLogLine(bareValue(key), "quarantined").text(reason).toString();
    }

    /**
     * {@code ID: dsn to=<s> failed=n dsn_id=DSNID status=queued}: a delivery status notification
     * for {@code failed} recipients was queued as {@code dsnId} for the sender.
     */
    public static String dsnQueued(QueueId id, MailAddress to, int failed, QueueId dsnId) {
        return dsn(id, to, failed, dsnId, "queued", null);
    }

    /**
     * {@code ID: dsn to=<> failed=n status=skipped (null sender)}: no notification, since a
     * message from the null sender is never bounced (RFC 5321 §6.1).
     */
    public static String dsnSkipped(QueueId id, int failed) {
        return dsn(id, MailAddress.NULL_SENDER, failed, null, "skipped", "null sender");
    }

    /**
     * {@code ID: dsn to=<s> failed=n status=failed (error)}: the notification could not be
     * queued; the failed recipients stay queued and it is tried again.
     */
    public static String dsnFailed(QueueId id, MailAddress to, int failed, String error) {
        return dsn(id, to, failed, null, "failed", error);
    }

    /**
     * The kind of a delivery status notification, named by the RFC 3464 action of the recipients it
     * reports: the field that counts them in the {@code dsn} line ({@code failed=2}, {@code delivered=1},
     * {@code relayed=1}, {@code delayed=3}).
     */
    public enum DsnKind {
        /** A failure ("bounce"): NOTIFY absent or with FAILURE. */
        FAILED("failed"),
        /** Final delivery here (Maildir, LMTP), asked with NOTIFY=SUCCESS. */
        DELIVERED("delivered"),
        /** Passed to a next hop that does not offer DSN, asked with NOTIFY=SUCCESS. */
        RELAYED("relayed"),
        /** Still queued after delay_warning_time: NOTIFY absent or with DELAY. */
        DELAYED("delayed");

        private final String word;

        DsnKind(String word) {
            this.word = word;
        }

        /** The field name in the line, e.g. {@code relayed}. */
        public String word() {
            return word;
        }
    }

    /**
     * {@code ID: dsn to=<s> delivered=1 relayed=1 dsn_id=DSNID status=queued}: a notification of the
     * given kinds (counts of recipients by action; zero counts are left out) was queued.
     */
    public static String dsnQueued(QueueId id, MailAddress to, Map<DsnKind, Integer> counts, QueueId dsnId) {
        return dsn(id, to, counts, dsnId, "queued", null);
    }

    /**
     * {@code ID: dsn to=<s> failed=1 status=skipped (NOTIFY=NEVER)}: no notification for these
     * recipients, for the reason given (the client's NOTIFY, or the null sender).
     */
    public static String dsnSkipped(QueueId id, MailAddress to, Map<DsnKind, Integer> counts, String why) {
        return dsn(id, to, counts, null, "skipped", why);
    }

    /**
     * {@code ID: dsn to=<s> delayed=1 status=failed (error)}: the notification could not be queued;
     * it is tried again (failures keep their recipients queued, a delay notice comes at the next attempt).
     */
    public static String dsnFailed(QueueId id, MailAddress to, Map<DsnKind, Integer> counts, String error) {
        return dsn(id, to, counts, null, "failed", error);
    }

    private static String dsn(
            QueueId id, MailAddress to, Map<DsnKind, Integer> counts, QueueId dsnId, String status, String text) {
        MailLogLine line = new MailLogLine(Objects.requireNonNull(id, "id"), "dsn").address("to", to);
        for (DsnKind k : DsnKind.values()) {
            Integer n = counts.get(k);
            if (n != null && n > 0) {
                line.bare(k.word(), Integer.toString(n));
            }
        }
        return line.bare("dsn_id", dsnId == null ? null : dsnId.value())
                .bare("status", status)
                .text(text)
                .toString();
    }

    private static String dsn(QueueId id, MailAddress to, int failed, QueueId dsnId, String status, String text) {
        return new MailLogLine(Objects.requireNonNull(id, "id"), "dsn")
                .address("to", to)
                .bare("failed", Integer.toString(failed))
                .bare("dsn_id", dsnId == null ? null : dsnId.value())
                .bare("status", status)
                .text(text)
                .toString();
    }

    /**
     * {@code ID: tlsrpt from=<s> size=n nrcpt=n domain=d}: a TLS report (RFC 8460) on the sessions
     * to {@code domain} was queued as the message {@code ID}.
     */
    public static String tlsReport(QueueId id, MailAddress from, long size, int nrcpt, String domain) {
        return new MailLogLine(Objects.requireNonNull(id, "id"), "tlsrpt")
                .address("from", from)
                .bare("size", Long.toString(size))
                .bare("nrcpt", Integer.toString(nrcpt))
                .bare("domain", domain)
                .toString();
    }

    /**
     * {@code ID: unrecorded nrcpt=n (removed from the queue during delivery)}: the message was
     * removed while an attempt ran, so that attempt's outcome for {@code nrcpt} recipients is
     * neither recorded nor logged.
     */
    public static String unrecorded(QueueId id, int nrcpt) {
        return new MailLogLine(Objects.requireNonNull(id, "id"), "unrecorded")
                .bare("nrcpt", Integer.toString(nrcpt))
                .text("removed from the queue during delivery")
                .toString();
    }

    /**
     * The TLS fields of a delivery line: {@code tls=TLSv1.3:TLS_AES_256_GCM_SHA384 verified=yes
     * policy=Required/mta-sts-enforce}, or {@code tls=none policy=Opportunistic/none}; a policy
     * failure adds {@code tls_failure=certificate-expired}.
     *
     * @param failure the RFC 8460 result type, or null
     */
    public static String tls(
            boolean encrypted, String protocol, String cipherSuite, boolean verified, String policy, String failure) {
        MailLogLine fields = new MailLogLine();
        if (encrypted) {
            fields.bare("tls", protocol + ":" + cipherSuite).bare("verified", verified ? "yes" : "no");
        } else {
            fields.bare("tls", "none");
        }
        // every field starts with a space, the first one too
        return fields.bare("policy", policy)
                .bare("tls_failure", failure)
                .toString()
                .substring(1);
    }

    /** The relay of a remote SMTP delivery: {@code mx.example[192.0.2.1]:25}. */
    public static String relay(String host, String ip, int port) {
        return host + "[" + ip + "]:" + port;
    }

    /** The relay of an LMTP delivery: {@code lmtp[host]:port}. */
    public static String lmtpRelay(String host, int port) {
        return "lmtp[" + host + "]:" + port;
    }

    /** Seconds: one decimal below 10 s, whole seconds above; a negative duration counts as 0. */
    public static String delay(Duration d) {
        double s = d.isNegative() ? 0 : d.toMillis() / 1000.0;
        return s < 10 ? String.format(Locale.ROOT, "%.1f", s) : Long.toString(Math.round(s));
    }

    private MailLogLine bare(String field, String value) {
        if (value != null) {
            sb.append(' ').append(field).append('=').append(bareValue(value));
        }
        return this;
    }

    private MailLogLine address(String field, MailAddress value) {
        if (value != null) {
            sb.append(' ').append(field).append('=').append(clean(value.toPath(), '?'));
        }
        return this;
    }

    private MailLogLine name(String field, String value) {
        if (value != null && !value.isEmpty()) {
            sb.append(' ')
                    .append(field)
                    .append("=<")
                    .append(clean(value, '?').replace('<', '?').replace('>', '?'))
                    .append('>');
        }
        return this;
    }

    private MailLogLine ip(String field, String value) {
        if (value != null) {
            sb.append(' ').append(field).append("=[").append(bareValue(value)).append(']');
        }
        return this;
    }

    private MailLogLine text(String value) {
        if (value != null) {
            sb.append(" (").append(clean(value, ' ')).append(')');
        }
        return this;
    }

    @Override
    public String toString() {
        return sb.toString();
    }

    private static String bareValue(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(Character.isWhitespace(c) || Character.isISOControl(c) ? '?' : c);
        }
        return out.toString();
    }

    private static String clean(String s, char replacement) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(Character.isISOControl(c) ? replacement : c);
        }
        return out.toString();
    }
}
