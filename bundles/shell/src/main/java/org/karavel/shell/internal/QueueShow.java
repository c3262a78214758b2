package org.karavel.shell.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;

/**
 * One queued message in full, like {@code postcat -q} without the body unless asked: envelope,
 * attempts and next attempt, then each recipient with its state, remote host and last reply.
 */
public final class QueueShow {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xx", Locale.ROOT);

    private final ZoneId zone;
    private final Instant now;
    private final Function<RecipientStatus, String> categories;

    public QueueShow(ZoneId zone, Instant now) {
        this(zone, now, r -> "");
    }

    /** @param categories the bounce category of a recipient's last failure, empty for none */
    public QueueShow(ZoneId zone, Instant now, Function<RecipientStatus, String> categories) {
        this.zone = zone;
        this.now = now;
        this.categories = categories;
    }

    /** Writes the message; {@code content}, when not null, is printed after a separator line. */
    public void write(QueuedMessage m, InputStream content, PrintStream out) throws IOException {
        Envelope e = m.envelope();
        out.println("Queue ID:     " + m.id());
        out.println("Size:         " + m.size() + " bytes");
        out.println("Arrived:      " + time(e.receivedAt()) + " (" + age(e.receivedAt()) + " ago)");
        out.println("Sender:       "
                + (e.sender().isNullSender() ? "<> (a bounce)" : e.sender().toPath()));
        out.println("Client:       " + (e.clientAddress().isEmpty() ? "(local)" : "[" + e.clientAddress() + "]")
                + (e.heloName().isEmpty() ? "" : " helo=" + e.heloName()));
        out.println("Listener:     " + e.listenerName()
                + (e.authenticatedUser().isEmpty() ? "" : ", authenticated as " + e.authenticatedUser()));
        out.println("Origin:       " + e.origin()
                + (e.origin().originatesHere()
                        ? " (DKIM-signed when it leaves)"
                        : " (never signed with our DKIM keys)"));
        if (!e.mailParameters().isEmpty()) {
            StringBuilder p = new StringBuilder();
            for (Map.Entry<String, String> kv : new TreeMap<>(e.mailParameters()).entrySet()) {
                p.append(p.length() == 0 ? "" : " ")
                        .append(kv.getKey())
                        .append(kv.getValue() == null || kv.getValue().isEmpty() ? "" : "=" + kv.getValue());
            }
            out.println("Parameters:   " + p);
        }
        out.println("Attempts:     " + m.attempts());
        if (m.isFinished()) {
            out.println("Next attempt: none (every recipient is done)");
        } else if (!m.nextAttempt().isAfter(now)) {
            out.println("Next attempt: now (due since " + time(m.nextAttempt()) + ")");
        } else {
            out.println("Next attempt: " + time(m.nextAttempt()) + " (in " + age(now, m.nextAttempt()) + ")");
        }
        if (m.bounced()) {
            out.println("Bounce:       a delivery status notification was sent");
        }
        out.println("Recipients:");
        for (RecipientStatus r : m.recipients()) {
            out.println("  " + r.recipient().toPath() + "  " + r.state().name().toLowerCase(Locale.ROOT));
            if (!r.remoteHost().isEmpty()) {
                out.println("    remote host: " + r.remoteHost());
            }
            if (!r.lastReply().isEmpty()) {
                out.println("    last reply:  "
                        + r.lastReply()
                                .replace("\r\n", " / ")
                                .replace('\r', ' ')
                                .replace('\n', ' '));
            }
            String category = categories.apply(r);
            if (category != null && !category.isEmpty()) {
                out.println("    category:    " + category);
            }
        }
        if (content != null) {
            out.println("-------- content --------");
            try (BufferedReader in = new BufferedReader(new InputStreamReader(content, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    out.println(line);
                }
            }
            out.println("-------- end of content --------");
        }
    }

    private String time(Instant t) {
        return TIME.format(t.atZone(zone));
    }

    private String age(Instant since) {
        return age(since, now);
    }

    /** A rough duration for people: 42s, 17m, 5h 3m, 2d 4h. */
    static String age(Instant from, Instant to) {
        long s = Math.max(0, Duration.between(from, to).toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m";
        }
        if (s < 86400) {
            return s / 3600 + "h " + s % 3600 / 60 + "m";
        }
        return s / 86400 + "d " + s % 86400 / 3600 + "h";
    }
}
