package org.karavel.shaping.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reactions file, read again when its modification time changes; looked at, at most, once per
 * check interval, on the caller's thread (no thread or WatchService of its own). A missing file means
 * no reactions; a file that cannot be read keeps the rules read before.
 */
final class ReactionFile {
    private static final Logger LOG = LoggerFactory.getLogger(ReactionFile.class);
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(2);

    private final Path file;
    private final long checkNanos;
    private volatile ReactionRules rules = new ReactionRules(List.of());
    private FileTime loaded;
    private long nextCheck;

    /** @param file the file, null for none */
    ReactionFile(Path file, Duration checkInterval) {
        this.file = file;
        this.checkNanos = checkInterval.toNanos();
        synchronized (this) {
            reload();
            nextCheck = System.nanoTime() + checkNanos;
        }
    }

    /** The rules in force, read again first when the interval has passed and the file changed. */
    ReactionRules rules() {
        if (file != null && System.nanoTime() - nextCheck >= 0) {
            synchronized (this) {
                if (System.nanoTime() - nextCheck >= 0) {
                    reload();
                    nextCheck = System.nanoTime() + checkNanos;
                }
            }
        }
        return rules;
    }

    private void reload() {
        if (file == null) {
            return;
        }
        try {
            FileTime t = Files.getLastModifiedTime(file);
            if (t.equals(loaded)) {
                return;
            }
            rules = ReactionRules.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
            loaded = t;
            LOG.info("{}: {} reaction rule(s)", file, rules.rules().size());
        } catch (NoSuchFileException e) {
            if (loaded != null || !rules.rules().isEmpty()) {
                LOG.info("{} is gone: no reactions", file);
            }
            rules = new ReactionRules(List.of());
            loaded = null;
        } catch (IOException e) {
            LOG.error("{}: cannot read the reactions ({}); the rules read before apply", file, e.toString());
        }
    }
}
