package org.karavel.spool.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.karavel.api.queue.PendingVisitor;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuePage;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;

/**
 * The committed state of the queue in memory, compact: per message only its id, next attempt,
 * arrival, size and the domains of its pending recipients (about 130 bytes), so that a million
 * queued messages fit a small heap. Full records are read from the store when asked for; due
 * selection walks a schedule ordered by next attempt and stops at the first one not due, so a
 * scan costs what is due, never what waits. Messages in flight are set aside (out of the schedule)
 * until written again or put back, so a scan does not step over them either. Writers (the committer
 * after each commit, recovery before it, setting aside) take the index's monitor; any number of readers.
 */
final class SpoolIndex {
    /** Reads a message's full record from the store; null when it is not there (removed meanwhile). */
    @FunctionalInterface
    interface Records {
        StoredMessage read(String key);
    }

    private static final Comparator<SpoolEntry> BY_ID = SpoolEntry::compareId;
    private static final Comparator<SpoolEntry> DUE_ORDER =
            Comparator.comparingLong((SpoolEntry e) -> e.next).thenComparing(BY_ID);

    private static final int MAX_DOMAIN_SETS = 10_000;

    private final Records records;
    private final ConcurrentSkipListSet<SpoolEntry> byId = new ConcurrentSkipListSet<>(BY_ID);
    private final ConcurrentSkipListSet<SpoolEntry> schedule = new ConcurrentSkipListSet<>(DUE_ORDER);
    // messages mostly share their pending domains: one list per combination, not one per message
    private final Map<List<String>, List<String>> domainSets = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong scheduleVisits = new AtomicLong();
    private final AtomicLong recordReads = new AtomicLong();
    private final AtomicLong listVisits = new AtomicLong();
    private final DomainEntries byDomain = new DomainEntries(BY_ID);
    /** Entries of messages in flight, taken out of the schedule; guarded by this index's monitor. */
    private final TreeSet<SpoolEntry> aside = new TreeSet<>(BY_ID);

    SpoolIndex(Records records) {
        this.records = records;
    }

    boolean contains(QueueId id) {
        return byId.contains(SpoolEntry.probe(id));
    }

    /** The full message, read from the store; null when it is not in the queue. */
    StoredMessage get(QueueId id) {
        return contains(id) ? read(id.value()) : null;
    }

    /** Whether the message's content is in the store (true) or in a body file (false); null when not queued. */
    Boolean inline(QueueId id) {
        SpoolEntry e = find(id);
        return e == null ? null : e.inline;
    }

    /** The content size the index holds for a message; -1 when it is not queued. */
    long size(QueueId id) {
        SpoolEntry e = find(id);
        return e == null ? -1 : e.size;
    }

    void put(StoredMessage stored) {
        QueuedMessage m = stored.message();
        put(new SpoolEntry(
                m.id(),
                m.nextAttempt().toEpochMilli(),
                m.envelope().receivedAt().toEpochMilli(),
                m.size(),
                stored.inline(),
                pendingDomains(m)));
    }

    /**
     * Loads entries at opening: sorted first, so each skip list grows at its end (a path its cache
     * keeps) rather than at random places, which was half the CPU of opening a large spool.
     */
    void load(List<SpoolEntry> entries) {
        entries.sort(BY_ID);
        for (SpoolEntry e : entries) {
            put(e);
        }
    }

    /** Every entry in id order, for the snapshot written at a clean close (when nothing changes them). */
    Iterable<SpoolEntry> entries() {
        return byId;
    }

    /** The compact entry of a record's index fields (the fields are dropped at once: a million must not pile up). */
    SpoolEntry entryOf(MessageRecordFormat.IndexFields f) {
        List<String> domains = f.pendingDomains().isEmpty() ? List.of() : shared(List.copyOf(f.pendingDomains()));
        return new SpoolEntry(f.id(), f.next(), f.received(), f.size(), f.inline(), domains);
    }

    private synchronized void put(SpoolEntry entry) {
        SpoolEntry old = find(entry.id());
        if (old != null) {
            // a write ends a setting aside: the new entry is scheduled as its record says
            aside.remove(old);
            schedule.remove(old);
            byId.remove(old);
            byDomain.removeEntry(old);
            bytes.addAndGet(-old.size);
        } else {
            count.incrementAndGet();
        }
        byId.add(entry);
        bytes.addAndGet(entry.size);
        if (!entry.domains.isEmpty()) {
            schedule.add(entry);
            byDomain.add(entry);
        }
    }

    synchronized void remove(QueueId id) {
        SpoolEntry old = find(id);
        if (old != null && byId.remove(old)) {
            count.decrementAndGet();
            bytes.addAndGet(-old.size);
            aside.remove(old);
            schedule.remove(old);
            byDomain.removeEntry(old);
        }
    }

    /** Takes a message in flight out of the schedule until it is written again or {@link #putBack put back}. */
    synchronized void setAside(QueueId id) {
        SpoolEntry e = find(id);
        if (e != null && schedule.remove(e)) {
            aside.add(e);
        }
    }

    /** Schedules a message set aside again (its attempt ended without a write); nothing when it was written. */
    synchronized void putBack(QueueId id) {
        SpoolEntry e = find(id);
        if (e != null && aside.remove(e)) {
            schedule.add(e);
        }
    }

    /** Messages set aside now. */
    synchronized int asideCount() {
        return aside.size();
    }

    /**
     * A page of the queue, oldest first, after {@code after} (null: from the start), only messages with
     * a pending recipient at {@code domainKey} when not null: walks the index (by id, or the domain's
     * own entries) from the cursor and reads only the page's records.
     */
    QueuePage page(QueueId after, String domainKey, int limit) {
        NavigableSet<SpoolEntry> source = domainKey == null ? byId : byDomain.entries(domainKey);
        int total = domainKey == null ? count.get() : byDomain.count(domainKey);
        NavigableSet<SpoolEntry> from = after == null ? source : source.tailSet(SpoolEntry.probe(after), false);
        List<QueuedMessage> page = new ArrayList<>(Math.min(limit, 1024));
        QueueId last = null;
        boolean more = false;
        for (SpoolEntry e : from) {
            listVisits.incrementAndGet();
            if (page.size() >= limit) {
                more = true;
                break;
            }
            StoredMessage s = read(e.key());
            if (s != null) {
                page.add(s.message());
                last = s.id();
            }
        }
        return new QueuePage(page, total, more ? last : null);
    }

    /** Ids of the messages with a pending recipient at {@code domainKey}, oldest first, from that domain's entries only. */
    Iterator<QueueId> pendingAt(String domainKey) {
        Iterator<SpoolEntry> entries = byDomain.entries(domainKey).iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return entries.hasNext();
            }

            @Override
            public QueueId next() {
                listVisits.incrementAndGet();
                return entries.next().id();
            }
        };
    }

    /** How many messages have a pending recipient at {@code domainKey}. */
    int countPendingAt(String domainKey) {
        return byDomain.count(domainKey);
    }

    /** Index entries walked by pages and domain flushes since the index was made (what a listing costs). */
    long listVisits() {
        return listVisits.get();
    }

    /** Oldest first: by queue id, which sorts by time of creation. Reads every record: for listings only. */
    List<QueuedMessage> list() {
        List<QueuedMessage> all = new ArrayList<>(count.get());
        for (SpoolEntry e : byId) {
            StoredMessage s = read(e.key());
            if (s != null) {
                all.add(s.message());
            }
        }
        return all;
    }

    /**
     * Unfinished messages due at or before {@code now}, longest waiting first, then oldest, without
     * those {@code skip} names (e.g. already in flight, whose records are not read). Visits the
     * schedule only up to the first message not due.
     */
    List<QueuedMessage> due(Instant now, int limit, Predicate<QueueId> skip) {
        long nowMillis = now.toEpochMilli();
        List<QueuedMessage> due = new ArrayList<>();
        for (SpoolEntry e : schedule) {
            scheduleVisits.incrementAndGet();
            if (due.size() >= limit || e.next > nowMillis) {
                break;
            }
            QueueId id = e.id();
            if (skip.test(id)) {
                continue;
            }
            StoredMessage current = read(id.value());
            // the store may be ahead of the index (a commit under way): trust only what agrees with it
            if (current != null
                    && current.message().nextAttempt().toEpochMilli() == e.next
                    && !current.message().isFinished()) {
                due.add(current.message());
            }
        }
        return due;
    }

    /** How many messages have pending recipients. */
    int unfinishedCount() {
        int n = 0;
        for (SpoolEntry e : byId) {
            if (!e.domains.isEmpty()) {
                n++;
            }
        }
        return n;
    }

    /** Ids of the messages with pending recipients, oldest first, read as the caller goes (weakly consistent). */
    Iterator<QueueId> unfinishedIds() {
        Iterator<SpoolEntry> all = byId.iterator();
        return new Iterator<>() {
            private SpoolEntry next = advance();

            private SpoolEntry advance() {
                while (all.hasNext()) {
                    SpoolEntry e = all.next();
                    if (!e.domains.isEmpty()) {
                        return e;
                    }
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public QueueId next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                QueueId id = next.id();
                next = advance();
                return id;
            }
        };
    }

    /** Tells {@code visitor} about every message with pending recipients, from memory only. */
    void forEachPending(PendingVisitor visitor) {
        for (SpoolEntry e : byId) {
            if (!e.domains.isEmpty()) {
                visitor.visit(Instant.ofEpochMilli(e.received), e.domains);
            }
        }
    }

    int size() {
        return count.get();
    }

    /** When the message that arrived first (queue ids sort by creation) was received, or null when empty. */
    Instant oldestReceived() {
        Iterator<SpoolEntry> first = byId.iterator();
        return first.hasNext() ? Instant.ofEpochMilli(first.next().received) : null;
    }

    /** Content octets of every queued message. */
    long bytes() {
        return bytes.get();
    }

    /** Schedule entries looked at by due selection since the index was made (what a scan costs). */
    long scheduleVisits() {
        return scheduleVisits.get();
    }

    /** Full records read from the store since the index was made. */
    long recordReads() {
        return recordReads.get();
    }

    private SpoolEntry find(QueueId id) {
        SpoolEntry probe = SpoolEntry.probe(id);
        SpoolEntry e = byId.ceiling(probe);
        return e != null && e.compareId(probe) == 0 ? e : null;
    }

    private StoredMessage read(String key) {
        recordReads.incrementAndGet();
        return records.read(key);
    }

    private List<String> pendingDomains(QueuedMessage m) {
        List<String> domains = new ArrayList<>(1);
        for (RecipientStatus r : m.recipients()) {
            if (r.isPending()) {
                domains.add(r.recipient().domainKey());
            }
        }
        if (domains.isEmpty()) {
            return List.of();
        }
        return shared(List.copyOf(domains));
    }

    private List<String> shared(List<String> key) {
        if (domainSets.size() > MAX_DOMAIN_SETS) {
            // only the sharing is lost: entries keep their lists
            domainSets.clear();
        }
        List<String> shared = domainSets.putIfAbsent(key, key);
        return shared == null ? key : shared;
    }
}
