package org.karavel.suppression.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Predicate;
import org.karavel.api.suppression.Suppression;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entries in one transactional MapDB file, {@code suppression.db}: a B-tree from the address
 * key to the entry as one tab-separated String (MapDB's built-in serializers only, so neither Java
 * serialization nor Elsa class loading is involved and a later bundle version reads the same file).
 * Sorted, so that listings page by address.
 *
 * <p>MapDB's maps are thread-safe: lookups read on the caller's thread while the bundle's own
 * thread writes and commits. A file MapDB cannot open is moved aside with an ERROR and an empty
 * list started, as the greylist does: mail keeps flowing, and bounces fill the list again.
 */
final class MapDbSuppressionStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MapDbSuppressionStore.class);
    static final String DB_FILE = "suppression.db";
    private static final String ENTRIES = "entries";
    private static final String FORMAT = "1";

    private final Path file;
    private final DB db;
    private final BTreeMap<String, String> entries;

    private MapDbSuppressionStore(Path file, DB db) {
        this.file = file;
        this.db = db;
        this.entries = db.treeMap(ENTRIES, Serializer.STRING, Serializer.STRING)
                .counterEnable()
                .createOrOpen();
        db.commit();
    }

    /** Opens or creates {@code directory/suppression.db}. */
    static MapDbSuppressionStore open(Path directory) throws IOException {
        Files.createDirectories(directory);
        Path file = directory.resolve(DB_FILE).toAbsolutePath();
        deleteStaleWriteAheadLogs(file);
        try {
            return make(file);
        } catch (DBException.FileLocked ex) {
            // another instance still has it: the file is not to blame
            throw new IOException("cannot open suppression database " + file + ": " + ex, ex);
        } catch (RuntimeException first) {
            if (!Files.exists(file)) {
                throw new IOException("cannot create suppression database " + file + ": " + first, first);
            }
            Path aside =
                    file.resolveSibling(DB_FILE + ".broken-" + Instant.now().toEpochMilli());
            LOG.error(
                    "suppression: cannot open {} ({}); moved it to {} and starting an empty list "
                            + "(mta:suppression-import can load an export)",
                    file,
                    first.toString(),
                    aside.getFileName());
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            deleteStaleWriteAheadLogs(file);
            try {
                return make(file);
            } catch (RuntimeException second) {
                throw new IOException("cannot create suppression database " + file + ": " + second, second);
            }
        }
    }

    private static MapDbSuppressionStore make(Path file) {
        // MapDB resolves classes through the context class loader; under OSGi make it this bundle's
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(MapDbSuppressionStore.class.getClassLoader());
        DB db = null;
        try {
            db = DBMaker.fileDB(file.toFile())
                    .transactionEnable()
                    .fileLockWait(10_000)
                    .make();
            return new MapDbSuppressionStore(file, db);
        } catch (RuntimeException ex) {
            if (db != null) {
                db.close();
            }
            throw ex;
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static void deleteStaleWriteAheadLogs(Path file) throws IOException {
        // MapDB 3.1 never reads them back after a crash (see the spool bundle); they only get in the way
        try (DirectoryStream<Path> wals = Files.newDirectoryStream(file.getParent(), file.getFileName() + ".wal.*")) {
            for (Path wal : wals) {
                Files.deleteIfExists(wal);
            }
        }
    }

    Path file() {
        return file;
    }

    /** The stored entry of an address key, expired or not. */
    Optional<Suppression> get(String key) {
        String v = entries.get(key);
        return v == null ? Optional.empty() : decode(key, v);
    }

    void put(Suppression s) {
        entries.put(s.address(), encode(s));
    }

    /** @return the entry removed, if there was one */
    Optional<Suppression> remove(String key) {
        String v = entries.remove(key);
        return v == null ? Optional.empty() : decode(key, v);
    }

    /** The entries after {@code after} (exclusive; empty: from the first), in address order. */
    Iterator<Suppression> from(String after) {
        Iterator<Map.Entry<String, String>> raw = after.isEmpty()
                ? entries.entryIterator()
                : entries.tailMap(after, false).entrySet().iterator();
        return new Iterator<>() {
            private Suppression next = advance();

            private Suppression advance() {
                while (raw.hasNext()) {
                    Map.Entry<String, String> e = raw.next();
                    Optional<Suppression> s = decode(e.getKey(), e.getValue());
                    if (s.isPresent()) {
                        return s.get();
                    }
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Suppression next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                Suppression s = next;
                next = advance();
                return s;
            }
        };
    }

    /** Removes the entries {@code drop} picks, and those that cannot be read. */
    int removeIf(Predicate<Suppression> drop) {
        int removed = 0;
        for (Iterator<Map.Entry<String, String>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, String> e = it.next();
            Optional<Suppression> s = decode(e.getKey(), e.getValue());
            if (s.isEmpty() || drop.test(s.get())) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    long size() {
        return entries.sizeLong();
    }

    void commit() {
        db.commit();
    }

    boolean isClosed() {
        return db.isClosed();
    }

    @Override
    public void close() {
        if (!db.isClosed()) {
            db.commit();
            db.close();
        }
    }

    /** {@code 1 TAB created-ms TAB expires-ms-or-empty TAB category TAB source TAB reason}. */
    static String encode(Suppression s) {
        return FORMAT
                + '\t'
                + s.created().toEpochMilli()
                + '\t'
                + (s.expires() == null ? "" : s.expires().toEpochMilli())
                + '\t'
                + s.category()
                + '\t'
                + s.source()
                + '\t'
                + s.reason();
    }

    /** Empty for a value this version cannot read (a newer format, damage): it counts as absent. */
    static Optional<Suppression> decode(String key, String value) {
        String[] f = value.split("\t", 6);
        if (f.length != 6 || !FORMAT.equals(f[0])) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Suppression(
                    key,
                    f[5],
                    f[3],
                    Instant.ofEpochMilli(Long.parseLong(f[1])),
                    f[2].isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(f[2])),
                    f[4]));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
