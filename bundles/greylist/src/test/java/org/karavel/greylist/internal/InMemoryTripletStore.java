package org.karavel.greylist.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/** A {@link TripletStore} in a map, for tests of the policy; counts commits. */
final class InMemoryTripletStore implements TripletStore {
    final Map<Triplet, TripletRecord> triplets = new HashMap<>();
    final Map<String, ClientRecord> clients = new HashMap<>();
    volatile int commits;

    @Override
    public Optional<TripletRecord> get(Triplet triplet) {
        return Optional.ofNullable(triplets.get(triplet));
    }

    @Override
    public void put(Triplet triplet, TripletRecord record) {
        triplets.put(triplet, record);
    }

    @Override
    public boolean remove(Triplet triplet) {
        return triplets.remove(triplet) != null;
    }

    @Override
    public void forEach(BiConsumer<Triplet, TripletRecord> action) {
        triplets.forEach(action);
    }

    @Override
    public int removeIf(BiPredicate<Triplet, TripletRecord> expired) {
        int before = triplets.size();
        triplets.entrySet().removeIf(e -> expired.test(e.getKey(), e.getValue()));
        return before - triplets.size();
    }

    @Override
    public int size() {
        return triplets.size();
    }

    @Override
    public Optional<ClientRecord> client(String network) {
        return Optional.ofNullable(clients.get(network));
    }

    @Override
    public void putClient(String network, ClientRecord record) {
        clients.put(network, record);
    }

    @Override
    public boolean removeClient(String network) {
        return clients.remove(network) != null;
    }

    @Override
    public void forEachClient(BiConsumer<String, ClientRecord> action) {
        clients.forEach(action);
    }

    @Override
    public int removeClientsIf(BiPredicate<String, ClientRecord> expired) {
        int before = clients.size();
        clients.entrySet().removeIf(e -> expired.test(e.getKey(), e.getValue()));
        return before - clients.size();
    }

    @Override
    public void commit() {
        commits++;
    }

    @Override
    public void close() {
        // nothing to release
    }
}
