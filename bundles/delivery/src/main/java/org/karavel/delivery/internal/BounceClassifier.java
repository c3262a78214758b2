package org.karavel.delivery.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.karavel.api.maillog.MailLogLine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives each failed delivery its {@link BounceCategory}: the failures delivery makes itself (DNS,
 * connect, TLS policy, the next hop's SIZE) directly, the others from the operator's rules file,
 * read again when its modification time changes (looked at, at most, once per check interval, on
 * the delivery path: no thread of its own). Without that file the rules shipped in etc/ apply.
 */
final class BounceClassifier {
    private static final Logger LOG = LoggerFactory.getLogger(BounceClassifier.class);
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(2);
    /** A reply delivery wrote itself when nothing answered: it has no 3-digit SMTP code. */
    private static final Pattern BASIC_CODE = Pattern.compile("^[245]\\d\\d[ -]");

    /** The statuses delivery sets itself when no host was reached or the conversation broke. */
    private static final Map<String, BounceCategory> LOCAL = Map.of(
            "5.1.2", BounceCategory.BAD_DOMAIN,
            "5.1.10", BounceCategory.BAD_DOMAIN,
            "5.4.4", BounceCategory.BAD_DOMAIN,
            "4.4.3", BounceCategory.BAD_DOMAIN,
            "4.4.1", BounceCategory.CONNECTION_FAILURE,
            "4.4.2", BounceCategory.CONNECTION_FAILURE);

    private static final String SHIPPED_NAME = "karavel.bounce-rules";
    private static final BounceRules SHIPPED = shipped();

    private final Path file;
    private final long checkNanos;
    private final Object lock = new Object();
    private volatile BounceRules rules = SHIPPED;
    private FileTime loadedTime;
    private long nextCheck;
    private boolean missingLogged;

    /** @param file the rules file, null for the shipped rules */
    BounceClassifier(Path file, Duration checkInterval) {
        this.file = file;
        this.checkNanos = checkInterval.toNanos();
        if (file != null) {
            synchronized (lock) {
                reload();
                nextCheck = System.nanoTime() + checkNanos;
            }
        }
    }

    /** The category of a failed result (deferred or bounced). */
    BounceCategory classify(RecipientResult r) {
        return classify(r.status(), r.reply(), r.relay());
    }

    /**
     * @param status the recorded enhanced status code
     * @param reply the reply or error
     * @param relay the mail log's relay, {@link MailLogLine#RELAY_NONE} when no host was reached
     */
    BounceCategory classify(String status, String reply, String relay) {
        String s = status == null ? "" : status;
        String text = reply == null ? "" : reply;
        // delivery's own failures get their category directly: no rule can misfile them
        if (s.equals("5.3.4")) {
            return BounceCategory.MESSAGE_TOO_LARGE;
        }
        if (s.equals("4.7.5")) {
            return BounceCategory.TLS_FAILURE;
        }
        boolean own = MailLogLine.RELAY_NONE.equals(relay)
                || !BASIC_CODE.matcher(text).find();
        if (own && LOCAL.containsKey(s)) {
            return LOCAL.get(s);
        }
        BounceCategory c = current().match(s, text);
        return c == null ? BounceCategory.OTHER : c;
    }

    /** The rules now in force, read again first when the file changed. */
    BounceRules current() {
        if (file == null) {
            return rules;
        }
        synchronized (lock) {
            long now = System.nanoTime();
            if (now - nextCheck >= 0) {
                nextCheck = now + checkNanos;
                reload();
            }
        }
        return rules;
    }

    private void reload() {
        FileTime time;
        try {
            time = Files.getLastModifiedTime(file);
        } catch (NoSuchFileException e) {
            if (!missingLogged) {
                LOG.warn("bounce rules file {} not found: the shipped rules apply", file);
                missingLogged = true;
            }
            rules = SHIPPED;
            loadedTime = null;
            return;
        } catch (IOException e) {
            LOG.error("bounce rules file {}: {}; the rules read before stay in force", file, e.toString());
            return;
        }
        if (time.equals(loadedTime)) {
            return;
        }
        try {
            rules = BounceRules.parse(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
            loadedTime = time;
            missingLogged = false;
            LOG.info("bounce rules: {} rule(s) read from {}", rules.size(), file);
        } catch (IOException e) {
            LOG.error("bounce rules file {}: {}; the rules read before stay in force", file, e.toString());
        }
    }

    /** The rules shipped in etc/, built into the bundle too. */
    private static BounceRules shipped() {
        try (InputStream in = BounceClassifier.class.getResourceAsStream(SHIPPED_NAME)) {
            if (in == null) {
                LOG.error("the shipped bounce rules {} are missing from the bundle", SHIPPED_NAME);
                return BounceRules.NONE;
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return BounceRules.parse("bundle:" + SHIPPED_NAME, text.lines().toList());
        } catch (IOException e) {
            LOG.error("cannot read the shipped bounce rules: {}", e.toString());
            return BounceRules.NONE;
        }
    }
}
