package org.karavel.greylist.internal;

import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/**
 * Where triplets and client networks are kept. Not thread-safe by contract: only the greylist
 * thread calls it. Changes are durable after {@link #commit()} (or close).
 */
interface TripletStore extends AutoCloseable {
    Optional<TripletRecord> get(Triplet triplet);

    void put(Triplet triplet, TripletRecord record);

    boolean remove(Triplet triplet);

    /** Every triplet, in no particular order; unreadable entries are skipped. */
    void forEach(BiConsumer<Triplet, TripletRecord> action);

    /** Removes the triplets the predicate selects; returns how many. */
    int removeIf(BiPredicate<Triplet, TripletRecord> expired);

    int size();

    /** Client networks are keyed by CIDR text, e.g. {@code 192.0.2.0/24}. */
    Optional<ClientRecord> client(String network);

    void putClient(String network, ClientRecord record);

    boolean removeClient(String network);

    void forEachClient(BiConsumer<String, ClientRecord> action);

    int removeClientsIf(BiPredicate<String, ClientRecord> expired);

    /** Makes the changes so far durable. */
    void commit();

    @Override
    void close();
}
