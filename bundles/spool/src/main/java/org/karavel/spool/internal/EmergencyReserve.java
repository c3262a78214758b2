package org.karavel.spool.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code spool.reserve}: a file of real zeros that holds space on the spool's file system for the day
 * another program fills it to the last byte. The committer then deletes it, so that removals and
 * updates of delivered mail still commit (else delivered mail stays queued and is sent again and
 * again). While it is released the spool takes no new mail; it is made again once the file system
 * has {@code min_free_disk_bytes} plus the reserve free.
 */
final class EmergencyReserve {
    static final String FILE = "spool.reserve";
    private static final Logger LOG = LoggerFactory.getLogger(EmergencyReserve.class);

    private final Path file;
    private final long bytes;
    private final FileStore fileSystem;
    private volatile boolean released;

    EmergencyReserve(Path directory, long bytes, FileStore fileSystem) {
        this.file = directory.resolve(FILE);
        this.bytes = bytes;
        this.fileSystem = fileSystem;
    }

    long bytes() {
        return bytes;
    }

    /** Free space needed to make the reserve and still leave {@code minFreeDisk} (no overflow for huge limits). */
    long neededToTakeMail(long minFreeDisk) {
        return bytes > Long.MAX_VALUE - minFreeDisk ? Long.MAX_VALUE : minFreeDisk + bytes;
    }

    /** Whether the reserve was given up (or could not be made) and mail is refused until it is back. */
    boolean isReleased() {
        return released;
    }

    /** At open: keeps a reserve of the right size, or makes it when space allows (else the spool starts released). */
    synchronized void open(long minFreeDisk) {
        try {
            if (bytes == 0) {
                Files.deleteIfExists(file); // configured off: give the space back
                released = false;
                return;
            }
            if (Files.isRegularFile(file) && Files.size(file) == bytes) {
                released = false;
                return;
            }
            Files.deleteIfExists(file);
            long free = fileSystem.getUsableSpace();
            if (free >= neededToTakeMail(minFreeDisk) && create()) {
                released = false;
                return;
            }
            LOG.warn(
                    "cannot make the emergency reserve {} ({} bytes, {} free on the spool's file system, {} to be left free): "
                            + "new mail is refused until there is room for it",
                    file,
                    bytes,
                    free,
                    minFreeDisk);
        } catch (IOException ex) {
            LOG.warn(
                    "cannot make the emergency reserve {}: {}; new mail is refused until there is room for it",
                    file,
                    ex.toString());
        }
        released = true;
    }

    /**
     * Deletes the reserve after a commit failed on a full file system. Returns false when there is
     * nothing to release (none configured, or released already): the failure then stands.
     */
    synchronized boolean release() {
        if (bytes == 0 || released) {
            return false;
        }
        released = true;
        try {
            Files.deleteIfExists(file);
        } catch (IOException ex) {
            LOG.error(
                    "the spool's file system is full and the emergency reserve {} cannot be deleted: {}",
                    file,
                    ex.toString());
            return false;
        }
        LOG.error(
                "the spool's file system is full: the emergency reserve {} ({} bytes) was released so that delivered mail "
                        + "can still be removed; new mail is refused until it can be made again",
                file,
                bytes);
        return true;
    }

    /**
     * Makes the reserve again when the file system has {@code minFreeDisk} plus the reserve free;
     * returns whether it is in place. Writes and fsyncs the whole reserve: never on a network thread.
     */
    synchronized boolean restore(long minFreeDisk) {
        if (!released) {
            return true;
        }
        try {
            long free = fileSystem.getUsableSpace();
            if (free < neededToTakeMail(minFreeDisk) || !create()) {
                return false;
            }
        } catch (IOException ex) {
            LOG.warn("cannot check the spool's file system for the emergency reserve: {}", ex.toString());
            return false;
        }
        released = false;
        LOG.info(
                "space is back on the spool's file system: the emergency reserve {} ({} bytes) is made again and new mail "
                        + "is taken",
                file,
                bytes);
        return true;
    }

    /** Writes the file with real zeros (a sparse file would hold no space) and fsyncs it and the directory. */
    private boolean create() {
        try (FileChannel ch = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
            for (long pos = 0; pos < bytes; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - pos));
                while (zeros.hasRemaining()) {
                    pos += ch.write(zeros, pos);
                }
            }
            ch.force(true);
        } catch (IOException ex) {
            LOG.warn("cannot write the emergency reserve {}: {}", file, ex.toString());
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // an incomplete reserve is deleted at the next attempt or open
            }
            return false;
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException ex) {
            LOG.debug("cannot fsync {}: {}", file.getParent(), ex.toString());
        }
        return true;
    }
}
