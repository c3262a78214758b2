package org.karavel.events.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.karavel.api.events.MessageEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events waiting on disk: an append-only log of segment files written by one thread that
 * forces the file once per group of events (whatever arrived while the last force ran), and one
 * cursor per endpoint. A publisher waits at most for the group commit its event is in, so an event
 * whose publish returned survives a SIGKILL. Segments every cursor has passed are deleted; past
 * {@code maxBytes} the oldest are dropped, with one WARN saying how many.
 */
final class EventOutbox implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(EventOutbox.class);
    private static final int QUEUE = 65_536;
    private static final int GROUP = 4096;
    /**
     * How long a group made only of events nobody waits for (delivery's outcomes) waits for more:
     * paced deliveries then share a force instead of one each.
     */
    static final Duration LATER_LINGER = Duration.ofMillis(50);

    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final EventsCounters counters;
    private final Consumer<byte[]> committedLog;
    private final Cursors cursors;
    private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE);
    private final List<Runnable> onCommit = new CopyOnWriteArrayList<>();
    /** Where a read that ended at a sequence number stopped in its segment; saves skipping records. */
    private final Map<Long, Long> offsets = new ConcurrentHashMap<>();

    private final Thread writer;
    private volatile boolean running = true;
    private volatile long durableEnd;
    private Segment active;

    /** @param later nobody waits on a thread for it: its future completes on the notifier */
    private record Pending(MessageEvent.Type type, byte[] json, CompletableFuture<Void> durable, boolean later) {}

    private final ExecutorService notifier;
    private volatile Duration laterLinger = LATER_LINGER;
    private volatile boolean lingering;

    /**
     * @param committedLog each event's JSON once it is on disk (the JSON event log), on the writer thread
     */
    EventOutbox(Path dir, long maxBytes, long segmentBytes, EventsCounters counters, Consumer<byte[]> committedLog)
            throws IOException {
        this(dir, maxBytes, segmentBytes, counters, committedLog, Clock.systemUTC());
    }

    EventOutbox(
            Path dir,
            long maxBytes,
            long segmentBytes,
            EventsCounters counters,
            Consumer<byte[]> committedLog,
            Clock clock)
            throws IOException {
        this.dir = Files.createDirectories(dir);
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
        this.counters = counters;
        this.committedLog = committedLog;
        this.cursors = new Cursors(dir.resolve("cursors"), clock);
        openSegments();
        notifier = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "karavel-events-notify");
            t.setDaemon(true);
            return t;
        });
        writer = new Thread(this::write, "karavel-events-writer");
        writer.setDaemon(true);
        writer.start();
    }

    private void openSegments() throws IOException {
        TreeMap<Long, Path> files = new TreeMap<>();
        try (DirectoryStream<Path> list = Files.newDirectoryStream(dir, "*" + Segment.SUFFIX)) {
            for (Path f : list) {
                long first = Segment.firstSeqOf(f);
                if (first >= 0) {
                    files.put(first, f);
                }
            }
        }
        for (Map.Entry<Long, Path> f : files.entrySet()) {
            boolean last = f.getKey().equals(files.lastKey());
            segments.put(f.getKey(), Segment.open(f.getValue(), last));
        }
        if (segments.isEmpty()) {
            segments.put(0L, Segment.create(dir, 0));
        }
        active = segments.lastEntry().getValue();
        durableEnd = active.endSeq();
    }

    /** Queues the event; the future completes once it is forced to disk. */
    CompletableFuture<Void> append(MessageEvent event) {
        return append(event, false);
    }

    /**
     * Queues the events for a caller that does not wait on a thread: they may wait up to {@link
     * #LATER_LINGER} for company; the future of the last completes once it is on disk, on the
     * notifier thread (never the writer's, which the caller's continuation must not hold up).
     */
    CompletableFuture<Void> appendLater(List<MessageEvent> events) {
        CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
        for (MessageEvent e : events) {
            last = append(e, true);
        }
        return last;
    }

    private CompletableFuture<Void> append(MessageEvent event, boolean later) {
        Pending p = new Pending(event.type(), EventJson.bytes(event), new CompletableFuture<>(), later);
        if (!running || !queue.offer(p)) {
            counters.lost();
            LOG.warn(
                    "events: {} event {} of {} not stored: the outbox is {}",
                    event.type().word(),
                    event.id(),
                    event.queueId(),
                    running ? "behind by " + QUEUE + " events (disk too slow?)" : "closed");
            p.durable.completeExceptionally(new IOException("not stored"));
        } else {
            counters.published(event.type());
        }
        return p.durable;
    }

    /** Appends and waits for the group commit, at most {@code max}; never throws. */
    void appendAndWait(MessageEvent event, Duration max) {
        try {
            append(event).get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // logged where it failed; a slow disk delays no publisher beyond max
        }
    }

    /** Called after every group commit (on the writer thread: be quick). */
    void onCommit(Runnable r) {
        onCommit.add(r);
    }

    void removeOnCommit(Runnable r) {
        onCommit.remove(r);
    }

    /** The sequence number the next event will get: events before it are on disk. */
    long end() {
        return durableEnd;
    }

    /** The oldest sequence number still held. */
    long start() {
        Map.Entry<Long, Segment> first = segments.firstEntry();
        return first == null ? durableEnd : first.getKey();
    }

    long bytes() {
        long n = 0;
        for (Segment s : segments.values()) {
            n += s.size();
        }
        return n;
    }

    /**
     * Up to {@code max} events from {@code fromSeq} on (from the oldest held if those were dropped);
     * only events already on disk.
     */
    List<OutboxRecord> read(long fromSeq, int max) throws IOException {
        long end = durableEnd;
        List<OutboxRecord> out = new ArrayList<>();
        long seq = Math.max(fromSeq, start());
        while (out.size() < max && seq < end) {
            Map.Entry<Long, Segment> e = segments.floorEntry(seq);
            if (e == null) {
                seq = start();
                continue;
            }
            Segment s = e.getValue();
            if (seq >= s.endSeq()) {
                break;
            }
            Long offset = offsets.remove(seq);
            Segment.Read r = s.read(seq, offset == null ? -1 : offset, max - out.size(), end);
            if (r.nextOffset() < 0) {
                seq = start(); // dropped meanwhile
                continue;
            }
            out.addAll(r.records());
            seq = r.records().isEmpty()
                    ? s.endSeq()
                    : r.records().get(r.records().size() - 1).seq() + 1;
            if (seq < s.endSeq()) {
                if (offsets.size() >= 1024) {
                    offsets.clear(); // left by endpoints that stopped: forget them, skipping is only slower
                }
                offsets.put(seq, r.nextOffset());
            }
        }
        return out;
    }

    /**
     * An endpoint's cursor: the one on disk, or (a new endpoint) the end now, written at once so that
     * a crash before its first delivery does not skip the events in between.
     */
    long cursor(String name) throws IOException {
        var onDisk = cursors.get(name);
        long at;
        if (onDisk.isPresent()) {
            at = Math.min(Math.max(onDisk.getAsLong(), start()), durableEnd);
        } else {
            at = durableEnd;
            cursors.set(name, at);
        }
        cursors.running(name);
        return at;
    }

    /** The endpoint had every event before {@code next} accepted. */
    void ack(String name, long next) throws IOException {
        cursors.set(name, next);
    }

    void stopped(String name) {
        cursors.stopped(name);
    }

    // ---------------------------------------------------------------- the writer thread

    private void write() {
        List<Pending> group = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    prune();
                    continue;
                }
                group.add(first);
                queue.drainTo(group, GROUP - 1);
                if (group.stream().allMatch(Pending::later)) {
                    lingerForMore(group);
                }
                commit(group);
            } catch (InterruptedException e) {
                if (!running) {
                    continue;
                }
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                LOG.error("events: cannot write {} event(s) to {}: {}", group.size(), dir, e.toString());
                List<Pending> later = group.stream().filter(Pending::later).toList();
                group.stream().filter(p -> !p.later()).forEach(p -> p.durable.completeExceptionally(e));
                notifier.execute(() -> later.forEach(p -> p.durable.completeExceptionally(e)));
            }
            group.clear();
        }
    }

    /** Waits up to {@link #laterLinger} for more events; an event somebody waits for ends the wait. */
    private void lingerForMore(List<Pending> group) throws InterruptedException {
        long deadline = System.nanoTime() + laterLinger.toNanos();
        lingering = true;
        try {
            while (running && group.size() < GROUP) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                // in slices, so that close() (which never interrupts: that would close the file) is seen
                Pending p = queue.poll(Math.min(left, SLICE_NANOS), TimeUnit.NANOSECONDS);
                if (p == null) {
                    continue;
                }
                group.add(p);
                if (!p.later()) {
                    queue.drainTo(group, GROUP - group.size());
                    return;
                }
            }
        } finally {
            lingering = false;
        }
    }

    /** For tests: how long events nobody waits for wait for company. */
    void laterLinger(Duration linger) {
        laterLinger = linger;
    }

    /** For tests: whether the writer waits for company for such a group now. */
    boolean lingering() {
        return lingering;
    }

    private void commit(List<Pending> group) throws IOException {
        boolean rolled = false;
        for (Pending p : group) {
            if (active.size() >= segmentBytes) {
                roll();
                rolled = true;
            }
            active.append(p.type, p.json);
        }
        active.force();
        counters.groupCommit();
        durableEnd = active.endSeq();
        List<CompletableFuture<Void>> later = new ArrayList<>();
        for (Pending p : group) {
            if (p.later()) {
                later.add(p.durable);
            } else {
                p.durable.complete(null);
            }
            committedLog.accept(p.json);
        }
        if (!later.isEmpty()) {
            notifier.execute(() -> later.forEach(f -> f.complete(null)));
        }
        if (rolled) {
            prune();
        }
        onCommit.forEach(Runnable::run);
    }

    private void roll() throws IOException {
        active.seal();
        Segment next = Segment.create(dir, active.endSeq());
        segments.put(next.firstSeq, next);
        active = next;
    }

    /** Deletes the segments every holding cursor has passed, then the oldest past max_size. */
    private void prune() {
        Map<String, Long> holding = cursors.holding();
        long min = holding.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
        try {
            for (Segment s : segments.values()) {
                if (s == active || s.endSeq() > min) {
                    break;
                }
                segments.remove(s.firstSeq);
                s.delete();
            }
            dropPastLimit(holding);
        } catch (IOException e) {
            LOG.warn("events: cannot delete a segment in {}: {}", dir, e.toString());
        }
    }

    private void dropPastLimit(Map<String, Long> holding) throws IOException {
        long total = bytes();
        long dropped = 0;
        while (total > maxBytes && segments.size() > 1) {
            Segment oldest = segments.firstEntry().getValue();
            segments.remove(oldest.firstSeq);
            total -= oldest.size();
            dropped += oldest.count();
            oldest.delete();
        }
        if (dropped > 0) {
            long start = start();
            List<String> behind = new ArrayList<>();
            holding.forEach((name, at) -> {
                if (at < start) {
                    behind.add(name);
                }
            });
            counters.dropped(dropped);
            LOG.warn(
                    "events: the outbox in {} passed max_size_mb ({} bytes): dropped the {} oldest events, never to be "
                            + "sent to {} (raise max_size_mb, or see why the endpoint does not take them)",
                    dir,
                    maxBytes,
                    dropped,
                    behind.isEmpty() ? "any endpoint" : String.join(", ", behind));
        }
    }

    /** Stops the writer after it has written what was queued. */
    @Override
    public void close() {
        running = false;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        notifier.shutdown();
        try {
            active.seal();
        } catch (IOException e) {
            LOG.warn("events: cannot close {}: {}", active.file, e.toString());
        }
    }
}
