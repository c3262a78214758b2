package org.karavel.greylist.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TripletStore} on one transactional MapDB file, {@code greylist.db}, with String keys and
 * {@code long[]} values only: MapDB's built-in serializers, so neither Java serialization nor Elsa
 * class loading is involved and a later bundle version reads the same file.
 *
 * <p>Losing greylist state only means some mail is greylisted again, so a file MapDB cannot open
 * (e.g. torn by a crash during a commit) is moved aside and a new one started, with a warning.
 */
final class MapDbTripletStore implements TripletStore {
    private static final Logger LOG = LoggerFactory.getLogger(MapDbTripletStore.class);
    static final String DB_FILE = "greylist.db";
    private static final String TRIPLETS = "triplets";
    private static final String CLIENTS = "clients";

    private final Path file;
    private final DB db;
    private final ConcurrentMap<String, long[]> triplets;
    private final ConcurrentMap<String, long[]> clients;

    private MapDbTripletStore(Path file, DB db) {
        this.file = file;
        this.db = db;
        this.triplets = db.hashMap(TRIPLETS, Serializer.STRING, Serializer.LONG_ARRAY)
                .counterEnable()
                .createOrOpen();
        this.clients = db.hashMap(CLIENTS, Serializer.STRING, Serializer.LONG_ARRAY)
                .counterEnable()
                .createOrOpen();
        db.commit();
    }

    /** Opens or creates {@code directory/greylist.db}. */
    static MapDbTripletStore open(Path directory) throws IOException {
        Files.createDirectories(directory);
        Path file = directory.resolve(DB_FILE).toAbsolutePath();
        deleteStaleWriteAheadLogs(file);
        try {
            return make(file);
        } catch (DBException.FileLocked ex) {
            // another instance still has it: the file is not to blame
            throw new IOException("cannot open greylist database " + file + ": " + ex, ex);
        } catch (RuntimeException first) {
            if (!Files.exists(file)) {
                throw new IOException("cannot create greylist database " + file + ": " + first, first);
            }
            Path aside =
                    file.resolveSibling(DB_FILE + ".broken-" + Instant.now().toEpochMilli());
            LOG.warn(
                    "greylist: cannot open {} ({}); moved it to {} and starting an empty greylist",
                    file,
                    first.toString(),
                    aside.getFileName());
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            deleteStaleWriteAheadLogs(file);
            try {
                return make(file);
            } catch (RuntimeException second) {
                throw new IOException("cannot create greylist database " + file + ": " + second, second);
            }
        }
    }

    private static MapDbTripletStore make(Path file) {
        // MapDB resolves classes through the context class loader; under OSGi make it this bundle's
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(MapDbTripletStore.class.getClassLoader());
        DB db = null;
        try {
            db = DBMaker.fileDB(file.toFile())
                    .transactionEnable()
                    .fileLockWait(10_000)
                    .make();
            return new MapDbTripletStore(file, db);
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

    @Override
    public Optional<TripletRecord> get(Triplet triplet) {
        long[] v = triplets.get(triplet.key());
        if (v == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(TripletRecord.fromLongs(v));
        } catch (IllegalArgumentException ex) {
            return Optional.empty(); // a format from a newer version: greylist it afresh
        }
    }

    @Override
    public void put(Triplet triplet, TripletRecord record) {
        triplets.put(triplet.key(), record.toLongs());
    }

    @Override
    public boolean remove(Triplet triplet) {
        return triplets.remove(triplet.key()) != null;
    }

    @Override
    public void forEach(BiConsumer<Triplet, TripletRecord> action) {
        for (Map.Entry<String, long[]> e : triplets.entrySet()) {
            Triplet t;
            TripletRecord r;
            try {
                t = Triplet.fromKey(e.getKey());
                r = TripletRecord.fromLongs(e.getValue());
            } catch (IllegalArgumentException ex) {
                continue;
            }
            action.accept(t, r);
        }
    }

    @Override
    public int removeIf(BiPredicate<Triplet, TripletRecord> expired) {
        int removed = 0;
        for (Iterator<Map.Entry<String, long[]>> it = triplets.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, long[]> e = it.next();
            boolean drop;
            try {
                drop = expired.test(Triplet.fromKey(e.getKey()), TripletRecord.fromLongs(e.getValue()));
            } catch (IllegalArgumentException ex) {
                drop = true; // unreadable: nothing can use it
            }
            if (drop) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    @Override
    public int size() {
        return triplets.size();
    }

    @Override
    public Optional<ClientRecord> client(String network) {
        long[] v = clients.get(network);
        if (v == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ClientRecord.fromLongs(v));
        } catch (IllegalArgumentException ex) {
            return Optional.empty();
        }
    }

    @Override
    public void putClient(String network, ClientRecord record) {
        clients.put(network, record.toLongs());
    }

    @Override
    public boolean removeClient(String network) {
        return clients.remove(network) != null;
    }

    @Override
    public void forEachClient(BiConsumer<String, ClientRecord> action) {
        for (Map.Entry<String, long[]> e : clients.entrySet()) {
            ClientRecord r;
            try {
                r = ClientRecord.fromLongs(e.getValue());
            } catch (IllegalArgumentException ex) {
                continue;
            }
            action.accept(e.getKey(), r);
        }
    }

    @Override
    public int removeClientsIf(BiPredicate<String, ClientRecord> expired) {
        int removed = 0;
        for (Iterator<Map.Entry<String, long[]>> it = clients.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, long[]> e = it.next();
            boolean drop;
            try {
                drop = expired.test(e.getKey(), ClientRecord.fromLongs(e.getValue()));
            } catch (IllegalArgumentException ex) {
                drop = true;
            }
            if (drop) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    @Override
    public void commit() {
        db.commit();
    }

    @Override
    public void close() {
        if (!db.isClosed()) {
            db.commit();
            db.close();
        }
    }
}
