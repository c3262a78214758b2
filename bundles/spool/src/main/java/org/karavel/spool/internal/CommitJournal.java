package org.karavel.spool.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A redo journal for the writes a MapDB commit makes to the store file. MapDB 3.1's StoreWAL writes
 * its commit into the store file in place and never replays its own write-ahead log on open, so a
 * process killed in the middle of that leaves a torn store. Here every commit's writes are first
 * written to a journal file and fsynced, then applied to the store file and fsynced; on open the
 * newest complete journal is applied again (writing the same bytes twice is harmless).
 *
 * <p>Two files alternate ({@code <db>.journal.0} and {@code .1}, by the parity of the commit
 * number), so the previous complete journal survives while the next one is being written and no
 * extra fsync is needed to invalidate an old one. Layout: magic, commit number, store length,
 * entry count, then (offset, length, bytes) per entry, then a CRC32C of all of it.
 *
 * <p>Each file is kept at least {@link #JOURNAL_MIN_BYTES} long, filled with real zeros when it is
 * created (not a sparse length), so that an ordinary commit never needs a new block: on a file
 * system that another program filled to the last byte, removals of delivered mail still commit. A
 * record is delimited by its entry count and CRC32C; whatever follows it in the file (zeros, or the
 * tail of an older, longer record) is ignored. A torn record is never applied: its CRC32C covers
 * the header with its commit number and every entry, so the bytes found where its checksum should
 * be (zeros or older data) do not match it; the newest complete record is applied again on open.
 */
final class CommitJournal {
    private static final Logger LOG = LoggerFactory.getLogger(CommitJournal.class);
    private static final long MAGIC = 0x4b564a524e4c3031L; // "KVJRNL01"
    private static final int HEADER = 8 + 8 + 8 + 4;
    /** Every journal file is at least this long, in real blocks, so that a commit does not allocate. */
    static final int JOURNAL_MIN_BYTES = 1 << 20;

    /** One write of the store file: {@code data} at {@code offset}. */
    record Write(long offset, byte[] data) {}

    private final Path[] files;
    private final SpoolDisk disk;
    private final FileChannel[] channels = new FileChannel[2];
    private final ByteBuffer staging = ByteBuffer.allocate(64 * 1024);
    private long sequence;

    private CommitJournal(Path storeFile, long lastSequence, SpoolDisk disk) {
        this.files = new Path[] {journalFile(storeFile, 0), journalFile(storeFile, 1)};
        this.disk = disk;
        this.sequence = lastSequence;
    }

    static Path journalFile(Path storeFile, int which) {
        return storeFile.resolveSibling(storeFile.getFileName() + ".journal." + which);
    }

    /**
     * Brings the store file to the state of its last commit, before MapDB opens it: applies the
     * newest complete journal, if any, and fsyncs. Returns the journal to use from now on.
     */
    static CommitJournal recover(Path storeFile) throws IOException {
        return recover(storeFile, SpoolDisk.REAL);
    }

    /** As {@link #recover(Path)}, with the journal files opened through {@code disk}. */
    static CommitJournal recover(Path storeFile, SpoolDisk disk) throws IOException {
        Path newest = null;
        long newestSequence = 0;
        for (int i = 0; i < 2; i++) {
            Path f = journalFile(storeFile, i);
            long seq = Files.exists(f) ? validSequence(f) : -1;
            if (seq > newestSequence) {
                newestSequence = seq;
                newest = f;
            }
        }
        if (newest != null) {
            int applied = apply(newest, storeFile);
            LOG.info(
                    "spool store {}: re-applied commit {} from {} ({} writes)",
                    storeFile,
                    newestSequence,
                    newest.getFileName(),
                    applied);
        }
        CommitJournal journal = new CommitJournal(storeFile, newestSequence, disk);
        journal.preallocate();
        return journal;
    }

    /**
     * Gives both journal files their {@link #JOURNAL_MIN_BYTES} of real zeros now, while there is room,
     * after any record they hold. When the file system is already full this is logged and left to the
     * first append, which then needs new blocks like the journal of earlier versions did.
     */
    private void preallocate() {
        boolean created = false;
        for (int i = 0; i < 2; i++) {
            try {
                created |= !Files.exists(files[i]);
                zeroFill(channel(i));
            } catch (IOException ex) {
                LOG.warn(
                        "cannot give {} its {} bytes in advance (a full file system?): {}",
                        files[i],
                        JOURNAL_MIN_BYTES,
                        ex.toString());
            }
        }
        if (created) {
            try (FileChannel dir = FileChannel.open(files[0].getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException ex) {
                // some file systems cannot fsync a directory; the files are created again if lost
                LOG.debug("cannot fsync {}: {}", files[0].getParent(), ex.toString());
            }
        }
    }

    private FileChannel channel(int which) throws IOException {
        FileChannel ch = channels[which];
        if (ch == null) {
            ch = disk.open(files[which], StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            channels[which] = ch;
        }
        return ch;
    }

    /** Writes real zeros from the end of the file up to {@link #JOURNAL_MIN_BYTES} and fsyncs them. */
    private static void zeroFill(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size >= JOURNAL_MIN_BYTES) {
            return;
        }
        ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
        for (long pos = size; pos < JOURNAL_MIN_BYTES; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), JOURNAL_MIN_BYTES - pos));
            while (zeros.hasRemaining()) {
                pos += ch.write(zeros, pos);
            }
        }
        ch.force(true);
    }

    /** Whether a journal holds a complete commit, so that the store file's first commit happened. */
    static boolean anyValid(Path storeFile) throws IOException {
        for (int i = 0; i < 2; i++) {
            Path f = journalFile(storeFile, i);
            if (Files.exists(f) && validSequence(f) > 0) {
                return true;
            }
        }
        return false;
    }

    /** Writes one commit's writes and fsyncs; only then may they be applied to the store file. */
    void append(List<Write> writes, long storeLength) throws IOException {
        long next = sequence + 1;
        int which = (int) (next & 1);
        FileChannel ch = channel(which);
        if (ch.size() < JOURNAL_MIN_BYTES) {
            zeroFill(ch); // only when there was no room at open
        }
        CRC32C crc = new CRC32C();
        ch.position(0);
        staging.clear();
        staging.putLong(MAGIC).putLong(next).putLong(storeLength).putInt(writes.size());
        for (Write w : writes) {
            put(
                    ch,
                    crc,
                    ByteBuffer.allocate(12)
                            .putLong(w.offset())
                            .putInt(w.data().length)
                            .array());
            put(ch, crc, w.data());
        }
        flush(ch, crc);
        staging.putInt((int) crc.getValue());
        staging.flip();
        while (staging.hasRemaining()) {
            ch.write(staging);
        }
        // never below the minimum (those blocks are what the next commit writes into); a record that
        // grew the file gives back what it took beyond it
        long keep = Math.max(JOURNAL_MIN_BYTES, ch.position());
        if (ch.size() > keep) {
            ch.truncate(keep);
        }
        ch.force(false);
        sequence = next;
    }

    /**
     * Closes the journal files; after a clean close of the store (every commit applied and fsynced)
     * they are deleted, so that another MapDB program may open the store without them being replayed
     * over its changes later.
     */
    void close(boolean storeIsClean) {
        for (FileChannel ch : channels) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing left to keep
                }
            }
        }
        if (storeIsClean) {
            for (Path f : files) {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ex) {
                    LOG.warn("cannot delete {}: {}", f, ex.toString());
                }
            }
        }
    }

    private void put(FileChannel ch, CRC32C crc, byte[] data) throws IOException {
        int off = 0;
        while (off < data.length) {
            if (!staging.hasRemaining()) {
                flush(ch, crc);
            }
            int n = Math.min(staging.remaining(), data.length - off);
            staging.put(data, off, n);
            off += n;
        }
    }

    private void flush(FileChannel ch, CRC32C crc) throws IOException {
        staging.flip();
        crc.update(staging.duplicate());
        while (staging.hasRemaining()) {
            ch.write(staging);
        }
        staging.clear();
    }

    /**
     * The commit number of the complete record at the start of a journal file, or -1 when it is torn
     * or not a journal. Files of earlier versions (exactly one record long) read the same way.
     */
    private static long validSequence(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER + 4) {
                return -1;
            }
            ByteBuffer head = read(ch, 0, HEADER);
            if (head.getLong() != MAGIC) {
                return -1;
            }
            long seq = head.getLong();
            head.getLong();
            int count = head.getInt();
            CRC32C crc = new CRC32C();
            crc.update(read(ch, 0, HEADER));
            long pos = HEADER;
            for (int i = 0; i < count; i++) {
                if (pos + 12 > size - 4) {
                    return -1;
                }
                ByteBuffer entry = read(ch, pos, 12);
                long offset = entry.getLong();
                int length = entry.getInt();
                if (offset < 0 || length < 0 || pos + 12 + length > size - 4) {
                    return -1;
                }
                crc.update(entry.flip());
                for (long p = pos + 12, end = pos + 12 + length; p < end; ) {
                    int n = (int) Math.min(65536, end - p);
                    crc.update(read(ch, p, n));
                    p += n;
                }
                pos += 12 + length;
            }
            // the record ends with its checksum; bytes after it (zeros, an older record's tail) are not part of it
            if (pos > size - 4) {
                return -1;
            }
            return read(ch, pos, 4).getInt() == (int) crc.getValue() ? seq : -1;
        }
    }

    private static int apply(Path journal, Path storeFile) throws IOException {
        try (FileChannel in = FileChannel.open(journal, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(storeFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer head = read(in, 0, HEADER);
            head.getLong();
            head.getLong();
            long storeLength = head.getLong();
            int count = head.getInt();
            long pos = HEADER;
            for (int i = 0; i < count; i++) {
                ByteBuffer entry = read(in, pos, 12);
                long offset = entry.getLong();
                int length = entry.getInt();
                ByteBuffer data = read(in, pos + 12, length);
                while (data.hasRemaining()) {
                    offset += out.write(data, offset);
                }
                pos += 12 + length;
            }
            if (out.size() < storeLength) {
                // MapDB extended the file in that commit; the extension may not have reached the disk
                out.write(ByteBuffer.allocate(1), storeLength - 1);
            }
            out.force(true);
            return count;
        }
    }

    private static ByteBuffer read(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                throw new IOException("journal ends early");
            }
        }
        return b.flip();
    }
}
