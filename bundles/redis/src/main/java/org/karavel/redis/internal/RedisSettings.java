package org.karavel.redis.internal;

import io.lettuce.core.RedisURI;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RedisConfig} checked: a bad value is logged naming the file and the key and replaced by
 * its default, except a bad {@code uri} or {@code sentinels}, which leave the store unconfigured
 * (sharing with a Redis that was not meant is worse than not sharing).
 *
 * @param uri where Redis is; null when no store is configured (or its address is unreadable)
 * @param tlsCaFile the CAs trusted for TLS; null: the JVM's trust store (verification is always on)
 */
record RedisSettings(
        RedisURI uri,
        String nodeName,
        Duration heartbeat,
        Duration nodeTimeout,
        Duration commandTimeout,
        String keyPrefix,
        Duration suppressionSync,
        Path tlsCaFile) {
    private static final Logger LOG = LoggerFactory.getLogger(RedisSettings.class);
    static final String FILE = "etc/org.karavel.redis.cfg";
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    boolean configured() {
        return uri != null;
    }

    static RedisSettings from(RedisConfig c) {
        RedisURI uri = uri(c);
        String node = c.node__name() == null || c.node__name().isBlank()
                ? hostName()
                : c.node__name().strip();
        int heartbeat = positive("heartbeat_seconds", c.heartbeat__seconds(), 5);
        int timeout = positive("node_timeout_seconds", c.node__timeout__seconds(), 20);
        if (timeout <= heartbeat) {
            LOG.error(
                    "{}: node_timeout_seconds = {} must exceed heartbeat_seconds = {}; using {}",
                    FILE,
                    timeout,
                    heartbeat,
                    heartbeat * 4);
            timeout = heartbeat * 4;
        }
        int commandMillis = positive("command_timeout_millis", c.command__timeout__millis(), 200);
        String prefix = c.key__prefix() == null ? "karavel:" : c.key__prefix().strip();
        int sync = positive("suppression_sync_seconds", c.suppression__sync__seconds(), 5);
        Path ca = null;
        String caText = c.tls__ca__file() == null ? "" : c.tls__ca__file().strip();
        if (!caText.isEmpty()) {
            ca = Path.of(caText);
            if (!Files.isReadable(ca)) {
                // trusting something else instead would be wrong: the store stays unused
                LOG.error("{}: tls_ca_file = {} is not a readable file; Redis is not used", FILE, caText);
                uri = null;
            }
        }
        if (uri != null) {
            uri.setTimeout(CONNECT_TIMEOUT); // the handshake; commands have their own, shorter timeout
        }
        return new RedisSettings(
                uri,
                node,
                Duration.ofSeconds(heartbeat),
                Duration.ofSeconds(timeout),
                Duration.ofMillis(commandMillis),
                prefix,
                Duration.ofSeconds(sync),
                ca);
    }

    private static RedisURI uri(RedisConfig c) {
        String text = c.uri() == null ? "" : c.uri().strip();
        List<String> sentinels = new ArrayList<>();
        for (String s : c.sentinels() == null ? new String[0] : c.sentinels()) {
            if (s != null && !s.isBlank()) {
                sentinels.add(s.strip());
            }
        }
        if (text.isEmpty() && sentinels.isEmpty()) {
            return null;
        }
        RedisURI base;
        try {
            base = RedisURI.create(text.isEmpty() ? "redis://localhost" : text);
            String scheme = text.isEmpty() ? "redis" : text.substring(0, Math.max(0, text.indexOf(':')));
            if (!List.of("redis", "rediss").contains(scheme.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("the scheme must be redis:// or rediss://, not " + scheme);
            }
        } catch (RuntimeException e) {
            LOG.error("{}: uri = {} is not a Redis URI ({}); Redis is not used", FILE, text, e.getMessage());
            return null;
        }
        // with sentinels the URI gives only TLS and the database: the master's address comes from them
        RedisURI.Builder b = sentinels.isEmpty()
                ? RedisURI.builder(base)
                : RedisURI.builder().withSsl(base.isSsl()).withDatabase(base.getDatabase());
        for (String s : sentinels) {
            int colon = s.lastIndexOf(':');
            try {
                String host = colon > 0 ? s.substring(0, colon) : s;
                int port = colon > 0 ? Integer.parseInt(s.substring(colon + 1)) : RedisURI.DEFAULT_SENTINEL_PORT;
                b.withSentinel(host.replace("[", "").replace("]", ""), port);
            } catch (NumberFormatException e) {
                LOG.error("{}: sentinels: '{}' is not host:port; Redis is not used", FILE, s);
                return null;
            }
        }
        if (!sentinels.isEmpty()) {
            b.withSentinelMasterId(
                    c.sentinel__master() == null || c.sentinel__master().isBlank()
                            ? "mymaster"
                            : c.sentinel__master().strip());
        }
        String password = c.password() == null ? "" : c.password();
        if (password.startsWith("$[")) {
            LOG.error("{}: password = {} was not interpolated (is the secret file there?)", FILE, password);
        }
        if (!password.isEmpty()) {
            String user = c.user() == null ? "" : c.user().strip();
            if (user.isEmpty()) {
                b.withPassword(password.toCharArray());
            } else {
                b.withAuthentication(user, password.toCharArray());
            }
        }
        return b.build();
    }

    private static int positive(String key, int value, int fallback) {
        if (value > 0) {
            return value;
        }
        LOG.error("{}: {} = {} must be positive; using {}", FILE, key, value, fallback);
        return fallback;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** For logs: where, never the password. */
    String describe() {
        if (uri == null) {
            return "no store";
        }
        String where = uri.getSentinels().isEmpty()
                ? uri.getHost() + ":" + uri.getPort()
                : "sentinels "
                        + uri.getSentinels().stream()
                                .map(s -> s.getHost() + ":" + s.getPort())
                                .toList() + " master " + uri.getSentinelMasterId();
        return (uri.isSsl() ? "rediss " : "redis ") + where + " db " + uri.getDatabase() + ", node " + nodeName;
    }
}
