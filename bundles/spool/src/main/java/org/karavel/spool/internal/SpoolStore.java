package org.karavel.spool.internal;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.mapdb.CC;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.Serializer;
import org.mapdb.StoreWAL;
import org.mapdb.volume.Volume;
import org.mapdb.volume.VolumeFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MapDB side of the spool: one transactional file with string keys and byte[] values only
 * (MapDB's built-in serializers, so no Java serialization and no Elsa class loading under OSGi).
 * Only the committer thread (and recovery, before it starts) writes; readers may read at any time.
 */
final class SpoolStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpoolStore.class);
    static final String DB_FILE = "spool.db";
    /** queue id → {@link MessageRecordFormat} record. */
    static final String MESSAGES = "messages";
    /** queue id → content, for messages whose content is inline. */
    static final String CONTENTS = "contents";
    /** key → {@link QuarantineFormat} record of something that could not be loaded. */
    static final String QUARANTINE = "quarantine";
    /** bookkeeping such as the queue id clock's high-water mark. */
    static final String META = "meta";

    static final String META_ID_CLOCK = "id.clock";
    /** The token of the {@link IndexSnapshot} made at the last clean close; absent once anything else was committed. */
    static final String META_SNAPSHOT = "index.snapshot";

    private final DB db;
    private final StoreVolumes volumes;
    private final ConcurrentMap<String, byte[]> messages;
    private final ConcurrentMap<String, byte[]> contents;
    private final ConcurrentMap<String, byte[]> quarantine;
    private final ConcurrentMap<String, byte[]> meta;
    private final AtomicLong commits = new AtomicLong();

    private SpoolStore(DB db, StoreVolumes volumes) {
        this.db = db;
        this.volumes = volumes;
        this.messages =
                db.hashMap(MESSAGES, Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        this.contents =
                db.hashMap(CONTENTS, Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        this.quarantine =
                db.hashMap(QUARANTINE, Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        this.meta = db.hashMap(META, Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    }

    /**
     * Opens (or creates) the store in {@code directory}; waits a little for a lock a closing instance
     * still holds.
     *
     * <p>This is what {@code DBMaker.fileDB(file).transactionEnable().make()} builds (MapDB's
     * transactional StoreWAL with its built-in serializers only), except that the store file is a
     * {@link StoreFileVolume} (a FileChannel that a reader's interrupt cannot close for good) reached through a {@link JournaledVolume}, and MapDB's own log a {@link HeapLogVolume}: MapDB 3.1 does not replay its
     * write-ahead log after a crash, so a process killed while a commit was being written to the store
     * file would leave it torn. DBMaker has no way to plug in a volume, hence the direct construction.
     */
    static SpoolStore open(Path directory) throws IOException {
        return open(directory, SpoolDisk.REAL);
    }

    /** As {@link #open(Path)}, with the commit journal opened through {@code disk}. */
    static SpoolStore open(Path directory, SpoolDisk disk) throws IOException {
        Path dbFile = directory.resolve(DB_FILE).toAbsolutePath();
        deleteStaleWriteAheadLogs(dbFile);
        CommitJournal journal = CommitJournal.recover(dbFile, disk);
        if (Files.exists(dbFile) && !initialized(dbFile)) {
            // created, but killed before its first commit reached the file: there is nothing in it
            LOG.warn("spool store {} was never initialised; starting it afresh", dbFile);
            Files.delete(dbFile);
        }
        boolean existed = Files.exists(dbFile);
        DB db;
        StoreVolumes volumes = new StoreVolumes(dbFile, journal);
        try {
            StoreWAL store = StoreWAL.make(
                    dbFile.toString(),
                    volumes,
                    10_000L,
                    true,
                    CC.STORE_DIRECT_CONC_SHIFT,
                    CC.PAGE_SIZE,
                    0L,
                    false,
                    false,
                    false,
                    true,
                    false);
            db = new DB(store, existed, true, SpoolStore.class.getClassLoader(), 0);
        } catch (RuntimeException ex) {
            journal.close(false);
            throw new IOException("cannot open spool database " + dbFile + ": " + ex, ex);
        }
        try {
            SpoolStore store = new SpoolStore(db, volumes);
            db.commit();
            return store;
        } catch (RuntimeException ex) {
            db.close();
            throw new IOException("cannot open spool maps in " + directory.resolve(DB_FILE) + ": " + ex, ex);
        }
    }

    private static void deleteStaleWriteAheadLogs(Path dbFile) throws IOException {
        // MapDB never reads them back; a crash leaves them behind
        try (DirectoryStream<Path> wals =
                Files.newDirectoryStream(dbFile.getParent(), dbFile.getFileName() + ".wal.*")) {
            for (Path wal : wals) {
                Files.deleteIfExists(wal);
            }
        }
    }

    /** Whether MapDB ever wrote its header (a non-zero first word) to the file. */
    private static boolean initialized(Path dbFile) throws IOException {
        try (FileChannel ch = FileChannel.open(dbFile, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(8);
            while (head.hasRemaining() && ch.read(head) >= 0) {
                // fill
            }
            return head.position() == 8 && head.getLong(0) != 0;
        }
    }

    /** Store file through the commit journal; MapDB's write-ahead log in the heap. */
    private static final class StoreVolumes extends VolumeFactory {
        private final Path dbFile;
        private final CommitJournal journal;
        // MapDB's log files are at most 16 MB each
        private final HeapLogVolume.Spare logSpare = new HeapLogVolume.Spare(20 * 1024 * 1024);
        private volatile JournaledVolume storeVolume;

        StoreVolumes(Path dbFile, CommitJournal journal) {
            this.dbFile = dbFile;
            this.journal = journal;
        }

        @Override
        public Volume makeVolume(
                String file, boolean readOnly, long fileLockWait, int sliceShift, long initSize, boolean fixedSize) {
            if (!Path.of(file).toAbsolutePath().equals(dbFile)) {
                return new HeapLogVolume(logSpare);
            }
            StoreFileVolume storeFile;
            try {
                storeFile = new StoreFileVolume(dbFile, 1 << sliceShift, fileLockWait, initSize);
            } catch (IOException ex) {
                throw new DBException.VolumeIOError(ex);
            }
            JournaledVolume volume = new JournaledVolume(storeFile, journal, 1L << sliceShift);
            storeVolume = volume;
            return volume;
        }

        @Override
        public boolean exists(String file) {
            return file != null && new File(file).exists();
        }

        @Override
        public boolean handlesReadonly() {
            return false;
        }
    }

    ConcurrentMap<String, byte[]> messages() {
        return messages;
    }

    ConcurrentMap<String, byte[]> contents() {
        return contents;
    }

    ConcurrentMap<String, byte[]> quarantine() {
        return quarantine;
    }

    long idClock() {
        byte[] b = meta.get(META_ID_CLOCK);
        return b == null || b.length != 8 ? 0 : ByteBuffer.wrap(b).getLong();
    }

    void setIdClock(long millis) {
        meta.put(META_ID_CLOCK, ByteBuffer.allocate(8).putLong(millis).array());
    }

    /** The token of the index snapshot the last commit was made for; 0 when none. */
    long snapshotToken() {
        byte[] b = meta.get(META_SNAPSHOT);
        return b == null || b.length != 8 ? 0 : ByteBuffer.wrap(b).getLong();
    }

    /** Sets (0: removes) the snapshot token; takes effect with the next commit. */
    void setSnapshotToken(long token) {
        if (token == 0) {
            meta.remove(META_SNAPSHOT);
        } else {
            meta.put(META_SNAPSHOT, ByteBuffer.allocate(8).putLong(token).array());
        }
    }

    /** Makes every change since the last commit durable (MapDB fsyncs its write-ahead log and store). */
    void commit() {
        db.commit();
        commits.incrementAndGet();
    }

    void rollback() {
        // a commit that failed before its journal (e.g. growing the store file on a full file system)
        // leaves writes held; MapDB's rollback re-reads the header and must see the file's
        JournaledVolume v = volumes.storeVolume;
        if (v != null) {
            v.abandonHeld();
        }
        db.rollback();
    }

    /** How many commits this store made: group commit keeps it far below the number of changes. */
    long commitCount() {
        return commits.get();
    }

    boolean isClosed() {
        return db.isClosed();
    }

    @Override
    public void close() {
        if (!db.isClosed()) {
            db.close();
        }
    }
}
