package org.karavel.greylist.internal;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.karavel.api.greylist.GreylistEntry;
import org.karavel.api.net.CidrBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * postgrey's algorithm over a {@link TripletStore}. Not thread-safe: only the greylist thread calls
 * it (which also makes each check's read-modify-write atomic).
 *
 * <ul>
 * <li>A triplet seen for the first time, or again before {@code delay} has passed since its first
 * sight, is deferred; first-seen is kept, so early retries do not push the delay out.</li>
 * <li>A retry at or after the delay passes and marks the triplet passed: its later mail passes too.</li>
 * <li>A triplet not yet passed whose first sight is more than {@code retry_window} ago starts
 * again, as does any triplet unseen for more than {@code max_age}.</li>
 * <li>Each pass after greylisting counts for the client network, at most once per hour; a network
 * with {@code auto_whitelist_clients} counts is no longer greylisted (postgrey's
 * --auto-whitelist-clients).</li>
 * </ul>
 */
final class GreylistPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(GreylistPolicy.class);
    static final Duration COUNT_INTERVAL = Duration.ofHours(1);

    private final TripletStore store;
    private final Clock clock;
    private volatile GreylistSettings settings;
    // networks an operator allowed: few, and CIDRs of any width, so checked one by one
    private final List<CidrBlock> allowedNetworks = new CopyOnWriteArrayList<>();
    private volatile long entries;
    private volatile long autoWhitelisted;

    GreylistPolicy(TripletStore store, GreylistSettings settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        store.forEachClient((network, record) -> {
            if (record.allowed()) {
                try {
                    allowedNetworks.add(CidrBlock.parse(network));
                } catch (IllegalArgumentException ex) {
                    LOG.warn("greylist: stored allowed network '{}' is unreadable; ignored", network);
                }
            }
        });
        recount();
    }

    void settings(GreylistSettings newSettings) {
        settings = newSettings;
        recount();
    }

    GreylistSettings settings() {
        return settings;
    }

    /** Whether an operator allowed a network holding {@code client} (a copy-on-write list: any thread). */
    boolean allowedNetwork(InetAddress client) {
        for (CidrBlock allowed : allowedNetworks) {
            if (allowed.contains(client)) {
                return true;
            }
        }
        return false;
    }

    Decision check(InetAddress client, Triplet triplet) {
        GreylistSettings s = settings;
        Instant now = clock.instant();
        if (allowedNetwork(client)) {
            return Decision.pass(PassReason.WHITELIST);
        }
        String network = triplet.clientNetwork();
        Optional<ClientRecord> clientRecord =
                store.client(network).filter(c -> c.allowed() || !expired(c.lastSeen(), now, s));
        if (s.autoWhitelistClients() > 0
                && clientRecord.isPresent()
                && clientRecord.get().passes() >= s.autoWhitelistClients()) {
            countPass(network, clientRecord, now, s);
            return Decision.pass(PassReason.WHITELIST);
        }

        Optional<TripletRecord> known = store.get(triplet)
                .filter(r -> !expired(r.lastSeen(), now, s))
                .filter(r -> r.passed() || Duration.between(r.firstSeen(), now).compareTo(s.retryWindow()) <= 0);
        Instant firstSeen = known.map(TripletRecord::firstSeen).orElse(now);
        if (firstSeen.isAfter(now)) {
            firstSeen = now; // the clock went back: start afresh rather than wait for it
        }
        boolean wasPassed = known.map(TripletRecord::passed).orElse(false);
        Duration waited = Duration.between(firstSeen, now);
        if (!wasPassed && waited.compareTo(s.delay()) < 0) {
            store.put(triplet, new TripletRecord(firstSeen, now, false));
            entries = store.size();
            Duration left = s.delay().minus(waited);
            long seconds = Math.max(1, (left.toMillis() + 999) / 1000);
            return Decision.defer(seconds);
        }
        store.put(triplet, new TripletRecord(firstSeen, now, true));
        entries = store.size();
        countPass(network, clientRecord, now, s);
        return Decision.pass(PassReason.RETRY);
    }

    private void countPass(String network, Optional<ClientRecord> known, Instant now, GreylistSettings s) {
        if (s.autoWhitelistClients() <= 0) {
            return;
        }
        ClientRecord c = known.orElse(new ClientRecord(0, Instant.EPOCH, now, false));
        boolean due = known.isEmpty()
                || !now.isBefore(c.lastCounted().plus(COUNT_INTERVAL))
                || c.lastCounted().isAfter(now);
        long passes = due ? c.passes() + 1 : c.passes();
        store.putClient(network, new ClientRecord(passes, due ? now : c.lastCounted(), now, c.allowed()));
        if (due && passes == s.autoWhitelistClients()) {
            autoWhitelisted++;
            LOG.info("greylist: client network {} auto-whitelisted after {} passes", network, passes);
        }
    }

    /** Lets one triplet through from now on, as if it had been retried after the delay. */
    void allowTriplet(Triplet triplet) {
        Instant now = clock.instant();
        store.put(triplet, new TripletRecord(now.minus(settings.delay()), now, true));
        entries = store.size();
    }

    /** Lets every client in {@code network} through until the entry is removed. */
    void allowNetwork(CidrBlock network) {
        Instant now = clock.instant();
        String key = network.toString();
        ClientRecord old = store.client(key).orElse(new ClientRecord(0, Instant.EPOCH, now, false));
        store.putClient(key, new ClientRecord(old.passes(), old.lastCounted(), now, true));
        if (!allowedNetworks.contains(network)) {
            allowedNetworks.add(network);
        }
    }

    /** Removes triplets and client records that expired; returns how many entries went. */
    int cleanUp() {
        GreylistSettings s = settings;
        Instant now = clock.instant();
        int triplets = store.removeIf((t, r) -> expired(r.lastSeen(), now, s)
                || !r.passed() && Duration.between(r.firstSeen(), now).compareTo(s.retryWindow()) > 0);
        int clients = store.removeClientsIf((n, c) -> !c.allowed() && expired(c.lastSeen(), now, s));
        recount();
        return triplets + clients;
    }

    /** The triplets most recently seen first. */
    List<GreylistEntry> entries(int limit) {
        if (limit <= 0) {
            return List.of();
        }
        List<GreylistEntry> all = new ArrayList<>();
        store.forEach((t, r) -> all.add(new GreylistEntry(
                t.clientNetwork(), t.sender(), t.recipient(), r.firstSeen(), r.lastSeen(), r.passed())));
        all.sort(Comparator.comparing(GreylistEntry::lastSeen).reversed());
        return List.copyOf(all.subList(0, Math.min(limit, all.size())));
    }

    long passedEntries() {
        long[] n = {0};
        store.forEach((t, r) -> n[0] += r.passed() ? 1 : 0);
        return n[0];
    }

    /** Triplets in the store; cheap (kept by the greylist thread), for the metrics gauge. */
    long entryCount() {
        return entries;
    }

    /** Client networks auto-whitelisted now (operator-allowed ones not counted); cheap. */
    long autoWhitelistedCount() {
        return autoWhitelisted;
    }

    long allowedNetworkCount() {
        return allowedNetworks.size();
    }

    private void recount() {
        GreylistSettings s = settings;
        Instant now = clock.instant();
        long[] n = {0};
        if (s.autoWhitelistClients() > 0) {
            store.forEachClient((network, c) -> n[0] +=
                    !c.allowed() && c.passes() >= s.autoWhitelistClients() && !expired(c.lastSeen(), now, s) ? 1 : 0);
        }
        autoWhitelisted = n[0];
        entries = store.size();
    }

    private static boolean expired(Instant lastSeen, Instant now, GreylistSettings s) {
        return Duration.between(lastSeen, now).compareTo(s.maxAge()) > 0;
    }
}
