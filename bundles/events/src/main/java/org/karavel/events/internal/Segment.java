package org.karavel.events.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import org.karavel.api.events.MessageEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file of the outbox, {@code <first seq>.events}: records appended at its end, each
 * {@code [length][crc32][type][json]}, so a record torn by a crash is recognised (short, or a wrong
 * checksum) and cut off when the file is opened again. Only the outbox's writer thread appends; any
 * thread reads what {@link #count} says is there.
 */
final class Segment {
    private static final Logger LOG = LoggerFactory.getLogger(Segment.class);
    static final String SUFFIX = ".events";
    static final int HEADER = 9;
    private static final int MAX_RECORD = 1 << 20;
    private static final MessageEvent.Type[] TYPES = MessageEvent.Type.values();

    final long firstSeq;
    final Path file;
    private volatile int count;
    private volatile long size;
    private FileChannel writer;

    private Segment(long firstSeq, Path file, int count, long size) {
        this.firstSeq = firstSeq;
        this.file = file;
        this.count = count;
        this.size = size;
    }

    static Path fileOf(Path dir, long firstSeq) {
        return dir.resolve(String.format(Locale.ROOT, "%020d", firstSeq) + SUFFIX);
    }

    /** The first sequence number a segment file holds, from its name; -1 if it is not one. */
    static long firstSeqOf(Path file) {
        String name = file.getFileName().toString();
        if (!name.endsWith(SUFFIX)) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A new, empty segment open for appending. */
    static Segment create(Path dir, long firstSeq) throws IOException {
        Segment s = new Segment(firstSeq, fileOf(dir, firstSeq), 0, 0);
        s.writer = FileChannel.open(
                s.file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        return s;
    }

    /**
     * An existing segment, its records counted; a torn tail (the crash came in the middle of a write)
     * is cut off. The last segment stays open for appending.
     */
    static Segment open(Path file, boolean forAppending) throws IOException {
        long first = firstSeqOf(file);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        int n = 0;
        long pos = 0;
        long length = ch.size();
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        while (pos + HEADER <= length) {
            header.clear();
            readFully(ch, header, pos);
            header.flip();
            int len = header.getInt();
            int crc = header.getInt();
            byte type = header.get();
            if (len < 0 || len > MAX_RECORD || type < 0 || type >= TYPES.length || pos + HEADER + len > length) {
                break;
            }
            ByteBuffer body = ByteBuffer.allocate(len);
            readFully(ch, body, pos + HEADER);
            if (crc != crc(type, body.array())) {
                break;
            }
            pos += HEADER + len;
            n++;
        }
        if (pos < length) {
            LOG.warn("events: {} ends with {} bytes of a record torn by a crash; cut off", file, length - pos);
            ch.truncate(pos);
            ch.force(true);
        }
        Segment s = new Segment(first, file, n, pos);
        if (forAppending) {
            s.writer = ch;
        } else {
            ch.close();
        }
        return s;
    }

    int count() {
        return count;
    }

    long size() {
        return size;
    }

    /** The next sequence number after this segment's records. */
    long endSeq() {
        return firstSeq + count;
    }

    /** Appends one record (not forced: the writer forces once per group). Writer thread only. */
    void append(MessageEvent.Type type, byte[] json) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER + json.length);
        b.putInt(json.length).putInt(crc((byte) type.ordinal(), json)).put((byte) type.ordinal());
        b.put(json).flip();
        long at = size;
        while (b.hasRemaining()) {
            at += writer.write(b, at);
        }
        size = at;
        count++;
    }

    void force() throws IOException {
        writer.force(false);
    }

    /** Stops appending: forced and closed. */
    void seal() throws IOException {
        if (writer != null) {
            writer.force(true);
            writer.close();
            writer = null;
        }
    }

    /**
     * Up to {@code max} records from {@code fromSeq} on, not past {@code endSeq}; {@code offset} is
     * where {@code fromSeq} starts if the caller knows it, else -1 (the records before are skipped).
     *
     * @return the records, and the offset after the last one in {@link Read#nextOffset}
     */
    Read read(long fromSeq, long offset, int max, long endSeq) throws IOException {
        List<OutboxRecord> out = new ArrayList<>();
        long seq = offset >= 0 ? fromSeq : firstSeq;
        long pos = offset >= 0 ? offset : 0;
        long limit = Math.min(endSeq, endSeq());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER);
            while (seq < limit && out.size() < max) {
                header.clear();
                readFully(ch, header, pos);
                header.flip();
                int len = header.getInt();
                header.getInt();
                byte type = header.get();
                if (seq >= fromSeq) {
                    ByteBuffer body = ByteBuffer.allocate(len);
                    readFully(ch, body, pos + HEADER);
                    out.add(new OutboxRecord(seq, TYPES[type], body.array()));
                }
                pos += HEADER + len;
                seq++;
            }
        } catch (NoSuchFileException e) {
            return new Read(List.of(), -1);
        }
        return new Read(out, pos);
    }

    record Read(List<OutboxRecord> records, long nextOffset) {}

    void delete() throws IOException {
        seal();
        Files.deleteIfExists(file);
    }

    private static int crc(byte type, byte[] json) {
        CRC32 c = new CRC32();
        c.update(type);
        c.update(json);
        return (int) c.getValue();
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        long at = pos;
        while (b.hasRemaining()) {
            int n = ch.read(b, at);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + at);
            }
            at += n;
        }
    }
}
