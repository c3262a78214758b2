package org.karavel.events.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.karavel.api.events.MessageEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A webhook's checked settings. A value that cannot work is a {@link Bad} naming the key: the
 * endpoint is left out (the others go on), never started half-configured.
 */
record WebhookSettings(
        String name,
        URI url,
        byte[] key,
        Set<MessageEvent.Type> types,
        int batchSize,
        Duration batchAge,
        Duration connectTimeout,
        Duration timeout,
        Duration minBackoff,
        Duration maxBackoff,
        Duration refusedBackoff) {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookSettings.class);
    static final int MIN_KEY_BYTES = 16;

    /** A setting that cannot work: its key and why. */
    static final class Bad extends Exception {
        final String key;

        Bad(String key, String message) {
            super(message);
            this.key = key;
        }
    }

    /** @param fileName the name part of {@code org.karavel.events.webhook-<name>.cfg}, or empty */
    static WebhookSettings from(WebhookConfig c, String fileName) throws Bad {
        String name =
                c.name() == null || c.name().isBlank() ? fileName : c.name().trim();
        if (!Cursors.validName(name)) {
            throw new Bad("name", "'" + name + "' is not a name (letters, digits, '.', '_', '-')");
        }
        return new WebhookSettings(
                name,
                url(c.url()),
                key(c.secret__file()),
                types(c.events()),
                (int) range("batch_size", c.batch__size(), 1, 10_000),
                Duration.ofMillis(range("batch_age_millis", c.batch__age__millis(), 0, 3_600_000)),
                Duration.ofMillis(range("connect_timeout_millis", c.connect__timeout__millis(), 1, 600_000)),
                Duration.ofMillis(range("timeout_millis", c.timeout__millis(), 1, 600_000)),
                Duration.ofMillis(range("min_backoff_millis", c.min__backoff__millis(), 1, 3_600_000)),
                Duration.ofSeconds(range("max_backoff_seconds", c.max__backoff__seconds(), 1, 86_400)),
                Duration.ofSeconds(range("refused_backoff_seconds", c.refused__backoff__seconds(), 1, 86_400)));
    }

    /** https anywhere; http only to loopback, where nobody on the way can read or change the events. */
    static URI url(String text) throws Bad {
        if (text == null || text.isBlank()) {
            throw new Bad("url", "missing: the endpoint's https:// URL");
        }
        URI u;
        try {
            u = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new Bad("url", "'" + text + "' is not a URL: " + e.getMessage());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (u.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new Bad("url", "'" + text + "' is not an https:// URL with a host");
        }
        if (u.getRawUserInfo() != null) {
            throw new Bad("url", "'" + text + "' carries a user and password; the secret_file signs the requests");
        }
        if (scheme.equals("http") && !loopback(u.getHost())) {
            throw new Bad("url", "'" + text + "' is plain http to another host: use https (http only to loopback)");
        }
        return u;
    }

    private static boolean loopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+|[0-9a-fA-F:.]+")) {
            return false; // a name other than localhost: never resolved here to decide
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The HMAC key: the file's content, white space around it ignored. */
    static byte[] key(String file) throws Bad {
        if (file == null || file.isBlank()) {
            throw new Bad("secret_file", "missing: a file holding the signing key (never the key itself)");
        }
        Path p = Path.of(file.trim());
        String text;
        try {
            text = Files.readString(p, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new Bad("secret_file", "cannot read " + p + ": " + e);
        }
        byte[] key = text.getBytes(StandardCharsets.UTF_8);
        if (key.length < MIN_KEY_BYTES) {
            throw new Bad(
                    "secret_file",
                    p + " holds " + key.length + " bytes; a key needs at least " + MIN_KEY_BYTES
                            + " (e.g. openssl rand -hex 32 > " + p + ")");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (perms.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warn("events: {} can be read by every user of this machine; chmod 600 it", p);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
        return key;
    }

    static Set<MessageEvent.Type> types(String[] words) throws Bad {
        EnumSet<MessageEvent.Type> out = EnumSet.noneOf(MessageEvent.Type.class);
        for (String w : words == null ? new String[0] : words) {
            for (String part : w.split(",")) {
                String t = part.trim().toLowerCase(Locale.ROOT);
                if (t.isEmpty()) {
                    continue;
                }
                if (t.equals("all")) {
                    return EnumSet.allOf(MessageEvent.Type.class);
                }
                out.add(type(t));
            }
        }
        return out.isEmpty() ? EnumSet.allOf(MessageEvent.Type.class) : out;
    }

    private static MessageEvent.Type type(String word) throws Bad {
        for (MessageEvent.Type t : MessageEvent.Type.values()) {
            if (t.word().equals(word)) {
                return t;
            }
        }
        throw new Bad(
                "events",
                "'" + word + "' is not an event type (received, delivered, deferred, bounced, "
                        + "suppressed, expired, dsn_sent, tls_failure, all)");
    }

    private static long range(String key, long value, long min, long max) throws Bad {
        if (value < min || value > max) {
            throw new Bad(key, value + " is out of range " + min + ".." + max);
        }
        return value;
    }
}
