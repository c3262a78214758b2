package org.karavel.spool.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.karavel.api.queue.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The large bodies, one file per message in {@code bodies/}, and the {@code quarantine/} folder.
 *
 * <p>The file of a delivered message is emptied and kept in {@code spare/} for a later message
 * rather than deleted: on ext4, creating a file soon after many were deleted makes the kernel scan
 * for an inode that was not freed recently, which a profile showed to be the single largest cost of
 * receiving 100 KB messages. A rename reuses the inode. Spare files hold no content and are deleted
 * at every start.
 */
final class BodyFiles {
    private static final Logger LOG = LoggerFactory.getLogger(BodyFiles.class);
    private static final int MAX_SPARES = 128;

    private final Path bodies;
    private final Path quarantine;
    private final Path spare;
    private final SpoolDisk disk;
    private final ConcurrentLinkedDeque<Path> spares = new ConcurrentLinkedDeque<>();
    private final AtomicInteger spareCount = new AtomicInteger();
    private final AtomicLong spareNames = new AtomicLong();
    private volatile boolean directorySyncWorks = true;

    BodyFiles(Path spoolDirectory) throws IOException {
        this(spoolDirectory, SpoolDisk.REAL);
    }

    BodyFiles(Path spoolDirectory, SpoolDisk disk) throws IOException {
        this.disk = disk;
        this.bodies = Files.createDirectories(spoolDirectory.resolve("bodies"));
        this.quarantine = Files.createDirectories(spoolDirectory.resolve("quarantine"));
        this.spare = Files.createDirectories(spoolDirectory.resolve("spare"));
        try (Stream<Path> old = Files.list(spare)) {
            for (Path f : old.toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /**
     * Opens the (new, empty) body file of a message for writing: a spare file renamed to it when there
     * is one, else a new file.
     */
    FileChannel create(QueueId id) throws IOException {
        Path target = pathOf(id);
        Path reuse = spares.pollFirst();
        if (reuse != null) {
            spareCount.decrementAndGet();
            try {
                Files.move(reuse, target, StandardCopyOption.ATOMIC_MOVE);
                // truncates, should anything have been written to the spare since it was emptied
                return openForWriting(target);
            } catch (IOException ex) {
                Files.deleteIfExists(reuse);
            }
        }
        return openForWriting(target);
    }

    private FileChannel openForWriting(Path file) throws IOException {
        return disk.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
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
        try (FileChannel dir = disk.open(bodies, StandardOpenOption.READ)) {
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

    /** Removes the body file of a message that left the spool: empties it into {@code spare/} or deletes it. */
    void delete(QueueId id) {
        Path file = pathOf(id);
        if (spareCount.incrementAndGet() <= MAX_SPARES) {
            Path to = spare.resolve(Long.toString(spareNames.incrementAndGet()));
            try (FileChannel empty =
                    FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                Files.move(file, to, StandardCopyOption.ATOMIC_MOVE);
                spares.addLast(to);
                return;
            } catch (IOException ex) {
                // not there, or cannot be moved: delete it as before
            }
        }
        spareCount.decrementAndGet();
        try {
            Files.deleteIfExists(file);
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
