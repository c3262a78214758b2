package org.karavel.events.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each endpoint's place in the outbox, {@code cursors/<name>} (the next sequence number it has not
 * had accepted), written whole and renamed into place so that a crash leaves the old or the new value.
 * A cursor of an endpoint not running now (its file removed from etc/, or not started yet after a
 * restart) still holds its events for {@link #GRACE}, then lets them go.
 */
final class Cursors {
    private static final Logger LOG = LoggerFactory.getLogger(Cursors.class);
    static final Duration GRACE = Duration.ofMinutes(10);

    private final Path dir;
    private final Clock clock;
    private final Map<String, Long> positions = new ConcurrentHashMap<>();
    private final Map<String, Instant> idleSince = new ConcurrentHashMap<>();

    Cursors(Path dir, Clock clock) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.clock = clock;
        Instant now = clock.instant();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".tmp")) {
                    try {
                        positions.put(
                                name,
                                Long.parseLong(Files.readString(f, StandardCharsets.US_ASCII)
                                        .trim()));
                        idleSince.put(name, now);
                    } catch (NumberFormatException | IOException e) {
                        LOG.warn("events: cursor {} unreadable ({}); that endpoint starts at the oldest event", f, e);
                    }
                }
            }
        }
    }

    /** Whether a name can be a cursor file's name (an endpoint's name from its file in etc/). */
    static boolean validName(String name) {
        return name != null && name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    }

    /** The endpoint's cursor, if it has one on disk. */
    OptionalLong get(String name) {
        Long p = positions.get(name);
        return p == null ? OptionalLong.empty() : OptionalLong.of(p);
    }

    /** The endpoint runs now: its cursor holds its events for as long as it does. */
    void running(String name) {
        idleSince.remove(name);
    }

    /** The endpoint stopped: its cursor holds its events for {@link #GRACE} more. */
    void stopped(String name) {
        if (positions.containsKey(name)) {
            idleSince.put(name, clock.instant());
        }
    }

    void set(String name, long next) throws IOException {
        Path tmp = dir.resolve(name + ".tmp");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((next + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(false);
        }
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        positions.put(name, next);
    }

    /** The cursors that hold events now (running endpoints, and stopped ones within their grace). */
    Map<String, Long> holding() {
        Instant now = clock.instant();
        Map<String, Long> out = new HashMap<>();
        positions.forEach((name, p) -> {
            Instant idle = idleSince.get(name);
            if (idle == null || idle.plus(GRACE).isAfter(now)) {
                out.put(name, p);
            }
        });
        return out;
    }
}
