package org.karavel.spool.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.karavel.api.queue.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The large bodies, one file per message in {@code bodies/}, and the {@code quarantine/} folder. */
final class BodyFiles {
    private static final Logger LOG = LoggerFactory.getLogger(BodyFiles.class);

    private final Path bodies;
    private final Path quarantine;
    private volatile boolean directorySyncWorks = true;

    BodyFiles(Path spoolDirectory) throws IOException {
        this.bodies = Files.createDirectories(spoolDirectory.resolve("bodies"));
        this.quarantine = Files.createDirectories(spoolDirectory.resolve("quarantine"));
    }

    Path directory() {
        return bodies;
    }

    Path quarantineDirectory() {
        return quarantine;
    }

    Path pathOf(QueueId id) {
        return bodies.resolve(id.value());
    }

    /** Makes the names of newly created body files durable (their content is fsynced on its own). */
    void syncDirectory() throws IOException {
        if (!directorySyncWorks) {
            return;
        }
        try (FileChannel dir = FileChannel.open(bodies, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException ex) {
            // some platforms cannot open a directory for sync; Linux can, and that is what we run on
            if (ex.getMessage() != null && ex.getMessage().contains("Is a directory")) {
                directorySyncWorks = false;
                LOG.warn("cannot fsync directory {} on this platform: {}", bodies, ex.toString());
                return;
            }
            throw ex;
        }
    }

    void delete(QueueId id) {
        try {
            Files.deleteIfExists(pathOf(id));
        } catch (IOException ex) {
            LOG.warn("{}: cannot delete body file ({}); it will be removed at the next start", id, ex.toString());
        }
    }

    /** Moves {@code bodies/<name>} to {@code quarantine/} if it exists; the name must be a queue id. */
    boolean moveToQuarantine(String name) throws IOException {
        if (!name.matches("[A-Za-z0-9]+")) {
            return false;
        }
        Path from = bodies.resolve(name);
        if (!Files.exists(from)) {
            return false;
        }
        Files.move(from, quarantine.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        return true;
    }

    List<Path> list() throws IOException {
        try (Stream<Path> files = Files.list(bodies)) {
            return new ArrayList<>(files.toList());
        }
    }
}
