package org.karavel.spool.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.karavel.api.queue.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code spool.index}: the index's compact entries, written at a clean close after the store's last
 * commit, so that a clean restart reads one sequential file instead of visiting every record. Used
 * only when the {@code spool.clean} marker is there and the snapshot's token equals the one the
 * store's last commit holds (a snapshot of another store, or of this one before later commits, has
 * another token); checked whole (format version, CRC32C) before any entry is used. Deleted at every
 * opening, as the marker is, so a crash of the new run never finds it.
 */
final class IndexSnapshot {
    private static final Logger LOG = LoggerFactory.getLogger(IndexSnapshot.class);
    static final String FILE = "spool.index";
    private static final String TEMP = "spool.index.tmp";
    private static final int MAGIC = 0x4B564958; // "KVIX"
    private static final int VERSION = 1;
    private static final int BUFFER = 1 << 16;

    /** What a snapshot held: the entries in id order and their content octets. */
    record Loaded(List<SpoolEntry> entries, long bytes) {}

    private IndexSnapshot() {}

    /** Writes the snapshot of {@code entries} (in id order) made against {@code token}, durably, under its final name. */
    static void write(Path directory, long token, int count, Iterable<SpoolEntry> entries) throws IOException {
        Path temp = directory.resolve(TEMP);
        try (FileChannel ch = FileChannel.open(
                temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            CRC32C crc = new CRC32C();
            DataOutputStream out = new DataOutputStream(
                    new CheckedOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), BUFFER), crc));
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeLong(token);
            out.writeInt(count);
            Map<List<String>, Integer> domainSets = new HashMap<>();
            List<List<String>> sets = new ArrayList<>();
            int written = 0;
            for (SpoolEntry e : entries) {
                if (written == count) {
                    throw new IOException("index changed while its snapshot was written");
                }
                int set = -1;
                if (!e.domains.isEmpty()) {
                    Integer known = domainSets.get(e.domains);
                    if (known == null) {
                        // a new combination of domains: written once, before its first user
                        known = sets.size();
                        domainSets.put(e.domains, known);
                        sets.add(e.domains);
                        out.writeByte(1);
                        out.writeShort(e.domains.size());
                        for (String d : e.domains) {
                            out.writeUTF(d);
                        }
                    }
                    set = known;
                }
                out.writeByte(0);
                out.writeUTF(e.key());
                out.writeLong(e.next);
                out.writeLong(e.received);
                out.writeLong(e.size);
                out.writeBoolean(e.inline);
                out.writeInt(set);
                written++;
            }
            if (written != count) {
                throw new IOException("index changed while its snapshot was written");
            }
            out.writeByte(2);
            out.flush();
            long sum = crc.getValue();
            out.writeLong(sum);
            out.flush();
            ch.force(true);
        }
        Files.move(temp, directory.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        // the directory is synced by the clean marker's write, which comes next
    }

    /**
     * The snapshot's entries when it is whole, of this format and made against {@code token}; null
     * (with the reason in {@code why}) otherwise. Reads no record of the store.
     */
    static Loaded read(Path directory, long token, SpoolIndex index, StringBuilder why) {
        Path file = directory.resolve(FILE);
        try (InputStream raw = Files.newInputStream(file)) {
            CRC32C crc = new CRC32C();
            BufferedInputStream buffered = new BufferedInputStream(raw, BUFFER);
            DataInputStream in = new DataInputStream(new CheckedInputStream(buffered, crc));
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                why.append("not a snapshot of this format");
                return null;
            }
            if (in.readLong() != token) {
                why.append("made against another state of the store");
                return null;
            }
            int count = in.readInt();
            List<SpoolEntry> entries = new ArrayList<>(Math.min(count, 1 << 20));
            List<List<String>> sets = new ArrayList<>();
            long bytes = 0;
            while (true) {
                int kind = in.readByte();
                if (kind == 1) {
                    int n = in.readUnsignedShort();
                    List<String> set = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        set.add(in.readUTF());
                    }
                    sets.add(List.copyOf(set));
                } else if (kind == 0) {
                    QueueId id = new QueueId(in.readUTF());
                    long next = in.readLong();
                    long received = in.readLong();
                    long size = in.readLong();
                    boolean inline = in.readBoolean();
                    int set = in.readInt();
                    List<String> domains = set < 0 ? List.of() : sets.get(set);
                    entries.add(index.entryOf(
                            new MessageRecordFormat.IndexFields(id, next, received, size, inline, domains)));
                    bytes += size;
                } else if (kind == 2) {
                    break;
                } else {
                    why.append("unknown item ").append(kind);
                    return null;
                }
            }
            long expected = crc.getValue();
            long stored = new DataInputStream(buffered).readLong(); // not part of the sum
            if (stored != expected) {
                why.append("checksum mismatch");
                return null;
            }
            if (entries.size() != count) {
                why.append("holds ")
                        .append(entries.size())
                        .append(" entries, header says ")
                        .append(count);
                return null;
            }
            return new Loaded(entries, bytes);
        } catch (NoSuchFileException ex) {
            why.append("none written");
            return null;
        } catch (EOFException ex) {
            why.append("cut short");
            return null;
        } catch (IOException | RuntimeException ex) {
            why.append("unreadable: ").append(ex);
            return null;
        }
    }

    /**
     * Commits a new token as the store's last change, after everything else: the snapshot written
     * next describes that commit. 0 when the commit failed (then no snapshot is written).
     */
    static long stamp(SpoolStore store) {
        long token = 0;
        while (token == 0) {
            token = ThreadLocalRandom.current().nextLong();
        }
        try {
            store.setSnapshotToken(token);
            store.commit();
            return token;
        } catch (RuntimeException ex) {
            LOG.warn("spool: no index snapshot at this close ({}); the next start reads every record", ex.toString());
            try {
                store.rollback();
            } catch (RuntimeException ignored) {
                // the close that follows commits nothing either way
            }
            return 0;
        }
    }

    /** Writes the snapshot of {@code index} made against {@code token} (none when 0); on failure, leaves none. */
    static void writeOrForget(Path directory, long token, SpoolIndex index) {
        if (token == 0) {
            return;
        }
        try {
            write(directory, token, index.size(), index.entries());
        } catch (IOException | RuntimeException ex) {
            LOG.warn("spool: no index snapshot at this close ({}); the next start reads every record", ex.toString());
            try {
                delete(directory);
            } catch (IOException ignored) {
                // its token is in no store commit after the next opening: it is never used
            }
        }
    }

    /** Removes the snapshot (and a half-written one): it describes the store only until the next commit. */
    static void delete(Path directory) throws IOException {
        Files.deleteIfExists(directory.resolve(FILE));
        Files.deleteIfExists(directory.resolve(TEMP));
    }
}
