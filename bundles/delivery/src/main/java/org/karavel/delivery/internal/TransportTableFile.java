package org.karavel.delivery.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport table file (etc/karavel.transport), read again when its modification time changes:
 * looked at, at most, once per check interval, on the scheduler's path (no thread of its own), as
 * the bounce rules are. Without the file, only the legacy {@code smarthost} key routes. Also keeps
 * every route it has handed out by its name, for the workers that open connections for them.
 */
final class TransportTableFile {
    private static final Logger LOG = LoggerFactory.getLogger(TransportTableFile.class);
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(2);

    private final Path file;
    private final long checkNanos;
    private final TransportTable.Secrets secrets;
    private final Route legacySmarthost;
    private final Object lock = new Object();
    private final Map<String, Route> byName = new ConcurrentHashMap<>();
    private volatile TransportTable table;
    private FileTime loadedTime;
    private long nextCheck;
    private boolean missingLogged;

    /**
     * @param file the table, null for none (only the legacy smarthost routes)
     * @param legacySmarthost the smarthost key as a route, or null
     */
    TransportTableFile(Path file, Duration checkInterval, TransportTable.Secrets secrets, Route legacySmarthost) {
        this.file = file;
        this.checkNanos = checkInterval.toNanos();
        this.secrets = secrets;
        this.legacySmarthost = legacySmarthost;
        this.table = TransportTable.parse("smarthost", List.of(), secrets, legacySmarthost);
        remember(table);
        if (file != null) {
            synchronized (lock) {
                reload();
                nextCheck = System.nanoTime() + checkNanos;
            }
        }
    }

    /** The route of a recipient domain, from the table in force (read again first when it changed). */
    Route route(String domain) {
        return current().route(domain);
    }

    /** A route handed out before, by {@link #key}; null when there is none by that name. */
    Route byKey(String key) {
        return byName.get(key);
    }

    /** The destination name of a route: its next hops, and its login and TLS mode when it has them. */
    static String key(Route route) {
        SmtpLogin a = route.auth();
        return route + (a == null ? "" : " password=" + a.password() + (a.insecure() ? " auth_insecure=true" : ""));
    }

    TransportTable current() {
        if (file == null) {
            return table;
        }
        synchronized (lock) {
            long now = System.nanoTime();
            if (now - nextCheck >= 0) {
                nextCheck = now + checkNanos;
                reload();
            }
        }
        return table;
    }

    private void reload() {
        FileTime time;
        try {
            time = Files.getLastModifiedTime(file);
        } catch (NoSuchFileException e) {
            if (!missingLogged && loadedTime != null) {
                LOG.warn("transport table {} is gone: only the smarthost key routes now", file);
            }
            missingLogged = true;
            if (loadedTime != null) {
                table = TransportTable.parse("smarthost", List.of(), secrets, legacySmarthost);
                loadedTime = null;
            }
            return;
        } catch (IOException e) {
            LOG.error("transport table {}: {}; the entries read before stay in force", file, e.toString());
            return;
        }
        if (time.equals(loadedTime)) {
            return;
        }
        try {
            TransportTable t = TransportTable.parse(
                    file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8), secrets, legacySmarthost);
            remember(t);
            table = t;
            loadedTime = time;
            missingLogged = false;
            LOG.info("transport table: {} entr{} read from {}", t.size(), t.size() == 1 ? "y" : "ies", file);
        } catch (IOException e) {
            LOG.error("transport table {}: {}; the entries read before stay in force", file, e.toString());
        }
    }

    private void remember(TransportTable t) {
        for (Route r : t.routes()) {
            byName.put(key(r), r);
        }
    }
}
