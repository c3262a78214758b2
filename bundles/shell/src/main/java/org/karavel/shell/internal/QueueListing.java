package org.karavel.shell.internal;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.karavel.api.address.DomainName;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;

/**
 * The queue as Postfix's {@code mailq} shows it: a header, one block per message (queue id, size,
 * arrival time, sender, then each recipient with its state and last reply), and a total line.
 *
 * <pre>
 * -Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------
 * 3F2A9C1B7D*     1234 Sat Nov 22 05:32:10  sender@example.com
 *                      attempts 2, next Sat Nov 22 05:40:10
 *                                           rcpt@b.example (pending)
 *                                             mx.b.example: 451 4.3.0 Try again later
 *
 * -- 2 Kbytes in 1 Request.
 * </pre>
 * A {@code *} after the id marks a message that is due now (as Postfix marks the active queue).
 */
public final class QueueListing {
    static final String HEADER = "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------";
    static final String EMPTY = "Mail queue is empty";
    private static final String INDENT = " ".repeat(42);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("EEE MMM dd HH:mm:ss", Locale.ROOT);

    private final ZoneId zone;
    private final Instant now;
    private final Function<RecipientStatus, String> categories;
    /** The traffic-shaping site of a recipient domain, empty when unknown. */
    private Function<String, String> sites = d -> "";

    /**
     * @param zone the time zone arrival times are shown in
     * @param now the present, to mark due messages
     */
    public QueueListing(ZoneId zone, Instant now) {
        this(zone, now, r -> "");
    }

    /**
     * @param categories the bounce category of a recipient's last failure, empty for none: shown
     *     after its state, e.g. {@code (pending, rate_limited)}
     */
    public QueueListing(ZoneId zone, Instant now, Function<RecipientStatus, String> categories) {
        this.zone = zone;
        this.now = now;
        this.categories = categories;
    }

    /** Shows each recipient's traffic-shaping site, e.g. {@code (pending, site gmail)}. */
    public QueueListing withSites(Function<String, String> siteOfDomain) {
        this.sites = siteOfDomain;
        return this;
    }

    /**
     * Writes the listing.
     *
     * @param domain when not null, only messages with a recipient in this domain, and only those
     *     recipients (case-insensitive, trailing dot ignored, exact domain)
     * @return how many messages were listed
     */
    public int write(List<QueuedMessage> messages, String domain, PrintStream out) {
        String wanted = domain == null || domain.isBlank() ? null : domainKey(domain);
        long bytes = 0;
        int count = 0;
        for (QueuedMessage m : messages) {
            List<RecipientStatus> shown = m.recipients().stream()
                    .filter(r -> wanted == null
                            || wanted.equals(domainKey(r.recipient().domain())))
                    .toList();
            if (shown.isEmpty()) {
                continue;
            }
            if (count == 0) {
                out.println(HEADER);
            }
            count++;
            bytes += m.size();
            block(m, shown, out);
        }
        if (count == 0) {
            out.println(wanted == null ? EMPTY : "No mail for " + wanted + " in the queue");
            return 0;
        }
        long kbytes = (bytes + 1023) / 1024;
        out.println("-- " + kbytes + " Kbytes in " + count + (count == 1 ? " Request." : " Requests."));
        return count;
    }

    private void block(QueuedMessage m, List<RecipientStatus> shown, PrintStream out) {
        boolean due = !m.isFinished() && !m.nextAttempt().isAfter(now);
        String id = m.id().value() + (due ? "*" : "");
        out.println(String.format(
                Locale.ROOT,
                "%-11s %8d %s  %s",
                id,
                m.size(),
                TIME.format(m.envelope().receivedAt().atZone(zone)),
                sender(m.envelope().sender())));
        if (m.attempts() > 0 || m.bounced()) {
            StringBuilder line =
                    new StringBuilder(" ".repeat(21)).append("attempts ").append(m.attempts());
            if (!m.isFinished()) {
                line.append(", next ").append(TIME.format(m.nextAttempt().atZone(zone)));
            }
            if (m.bounced()) {
                line.append(", bounce sent");
            }
            out.println(line);
        }
        for (RecipientStatus r : shown) {
            String category = categories.apply(r);
            String site = r.isPending() ? sites.apply(r.recipient().domainKey()) : "";
            out.println(INDENT + r.recipient() + " (" + r.state().name().toLowerCase(Locale.ROOT)
                    + (category == null || category.isEmpty() ? "" : ", " + category)
                    + (site == null || site.isEmpty() ? "" : ", site " + site) + ")");
            if (!r.lastReply().isEmpty()) {
                out.println(INDENT + "  " + (r.remoteHost().isEmpty() ? "" : r.remoteHost() + ": ")
                        + oneLine(r.lastReply()));
            }
        }
        out.println();
    }

    private static String sender(MailAddress sender) {
        return sender.isNullSender() ? "MAILER-DAEMON" : sender.toString();
    }

    /** A multi-line reply on one line, as the listing has one line per item. */
    private static String oneLine(String reply) {
        return reply.replace("\r\n", " / ").replace('\r', ' ').replace('\n', ' ');
    }

    static String domainKey(String domain) {
        String d = domain.trim();
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        try {
            return DomainName.toAscii(d);
        } catch (IllegalArgumentException e) {
            return d.toLowerCase(Locale.ROOT);
        }
    }
}
