package org.karavel.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;

/**
 * Drives a running Karavel the way smtp-source does: S sessions on loopback send M messages of a
 * given size in all, each session reusing its connection; Karavel relays them to a sink that this
 * program runs. Prints messages/s until the sink has them all and the end-of-DATA-to-250 latency.
 *
 * <p>Usage: {@code RelayLoad <karavel smtp port> <sink port file> <sessions> <messages> <size bytes>
 * [rate msgs/s] [warm-up messages] [1: a new connection per message]}. With a rate (0: as fast as
 * possible) message i is started at start + i/rate (open loop); the warm-up messages go first on the
 * same sessions and are not counted. With a connection per message each message also pays for the
 * connection's set-up and its checks (the per-client connection rate, shared in Redis on a fleet).
 * The sink's port is written to the file so the caller can point Karavel's smarthost at it first.
 */
public final class RelayLoad {
    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println(
                    "usage: RelayLoad <smtp port> <sink port file> <sessions> <messages> <size> [rate] [warmup]");
            System.exit(2);
        }
        int smtpPort = Integer.parseInt(args[0]);
        Path sinkPortFile = Path.of(args[1]);
        int sessions = Integer.parseInt(args[2]);
        int messages = Integer.parseInt(args[3]);
        int size = Integer.parseInt(args[4]);
        double rate = args.length > 5 ? Double.parseDouble(args[5]) : 0;
        int warmup = args.length > 6 ? Integer.parseInt(args[6]) : 0;
        boolean perMessage = args.length > 7 && args[7].equals("1");

        // each message has its own recipient, so that a message relayed twice shows as a duplicate
        Set<String> relayed = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        try (SmtpSink sink = SmtpSink.start().keepContent(false).onRcpt(r -> {
            if (!relayed.add(r)) {
                duplicates.incrementAndGet();
            }
            return "250 2.1.5 Ok";
        })) {
            Files.writeString(sinkPortFile, Integer.toString(sink.port()));
            System.out.println("sink listening on 127.0.0.1:" + sink.port());
            // wait for the caller to tell Karavel about the sink
            Path go = sinkPortFile.resolveSibling(sinkPortFile.getFileName() + ".go");
            long waitUntil = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!Files.exists(go) && System.nanoTime() < waitUntil) {
                Thread.sleep(100);
            }
            String body = body(size);
            long[] latencies = new long[messages];
            // open loop: how late each message started against its schedule (sessions fell behind)
            long[] lateness = new long[messages];
            AtomicInteger nextWarm = new AtomicInteger();
            AtomicInteger warmFailed = new AtomicInteger();
            AtomicInteger next = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            AtomicLong firstFailure = new AtomicLong();
            AtomicLong start = new AtomicLong();
            AtomicLong baseline = new AtomicLong();
            // after the warm-up every session waits here; the last one waits for the sink to have the
            // warm-up messages too, so that their relaying does not overlap the measured run
            CyclicBarrier measured = new CyclicBarrier(sessions, () -> {
                long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                while (sink.accepted() - duplicates.get() < warmup - warmFailed.get() && System.nanoTime() < until) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                }
                baseline.set(sink.accepted() - duplicates.get());
                start.set(System.nanoTime());
                // bench/profile.sh waits for this line
                System.out.println("warm-up done: " + warmup + " messages; measuring");
                System.out.flush();
            });
            double nanosPerMessage = rate > 0 ? 1e9 / rate : 0;
            ExecutorService pool = Executors.newFixedThreadPool(sessions);
            List<Future<?>> running = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                running.add(pool.submit(() -> {
                    try (Session c = new Session(smtpPort, perMessage)) {
                        int w;
                        while ((w = nextWarm.getAndIncrement()) < warmup) {
                            if (!c.send("warm" + w, 0, body, null).startsWith("250")) {
                                warmFailed.incrementAndGet();
                            }
                        }
                        measured.await();
                        int i;
                        while ((i = next.getAndIncrement()) < messages) {
                            if (rate > 0) {
                                // pacing a load generator: message i is due at start + i/rate
                                long due = start.get() + (long) (i * nanosPerMessage);
                                long wait;
                                while ((wait = due - System.nanoTime()) > 0) {
                                    LockSupport.parkNanos(wait);
                                }
                                lateness[i] = -wait;
                            }
                            String reply = c.send("m" + i, i, body, latencies);
                            if (!reply.startsWith("250")) {
                                failed.incrementAndGet();
                                if (firstFailure.compareAndSet(0, 1)) {
                                    System.out.println("first refusal: " + reply);
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
            long accepted = System.nanoTime();
            pool.shutdown();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (sink.accepted() - duplicates.get() - baseline.get() < messages - failed.get()
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long end = System.nanoTime();
            long delivered = sink.accepted() - duplicates.get() - baseline.get();

            long[] sorted = Arrays.stream(latencies).filter(l -> l > 0).sorted().toArray();
            double secs = (end - start.get()) / 1e9;
            double acceptSecs = (accepted - start.get()) / 1e9;
            System.out.printf(
                    "sessions=%d messages=%d size=%d refused=%d connections=%s%n",
                    sessions, messages, size, failed.get(), perMessage ? "one per message" : "one per session");
            if (warmup > 0) {
                System.out.printf(
                        "warm-up done: %d messages first on the same sessions (%d refused), not counted%n",
                        warmup, warmFailed.get());
            }
            if (rate > 0) {
                long[] late = Arrays.stream(lateness).sorted().toArray();
                System.out.printf(
                        "target rate %.0f msg/s (open loop), achieved %.0f msg/s accepted; "
                                + "latency is end-of-DATA to 250 even when sessions fall behind the schedule "
                                + "(start lateness p50 %.2f ms, p99 %.2f ms, max %.2f ms)%n",
                        rate,
                        messages / acceptSecs,
                        pct(late, 50) / 1e6,
                        pct(late, 99) / 1e6,
                        late[late.length - 1] / 1e6);
            } else {
                System.out.println("target rate: none (closed loop, as fast as possible)");
            }
            System.out.printf(
                    "accepted all in %.2f s (%.0f msg/s); relayed all in %.2f s%n",
                    acceptSecs, messages / acceptSecs, secs);
            System.out.printf(
                    "RESULT relay_msgs_per_s=%.0f p50_ms=%.2f p99_ms=%.2f delivered=%d"
                            + " target_rate=%.0f accepted_msgs_per_s=%.0f warmup=%d duplicates=%d%n",
                    delivered / secs,
                    pct(sorted, 50) / 1e6,
                    pct(sorted, 99) / 1e6,
                    delivered,
                    rate,
                    messages / acceptSecs,
                    warmup,
                    duplicates.get());
        }
    }

    /** A session of the load: one connection for all its messages, or a new one for each. */
    private static final class Session implements AutoCloseable {
        private final int port;
        private final SmtpClient kept;

        Session(int port, boolean perMessage) throws IOException {
            this.port = port;
            this.kept = perMessage ? null : open(port);
        }

        String send(String recipient, int i, String body, long[] latencies) throws IOException {
            if (kept != null) {
                return RelayLoad.send(kept, recipient, i, body, latencies);
            }
            try (SmtpClient c = open(port)) {
                String r = RelayLoad.send(c, recipient, i, body, latencies);
                c.command("QUIT");
                return r;
            }
        }

        @Override
        public void close() throws IOException {
            if (kept != null) {
                kept.command("QUIT");
                kept.close();
            }
        }

        private static SmtpClient open(int port) throws IOException {
            SmtpClient c = SmtpClient.connect(port);
            c.readReply();
            c.command("EHLO bench.test");
            return c;
        }
    }

    /** Sends one message; latencies (null during the warm-up) gets its end-of-DATA-to-reply time. */
    private static String send(SmtpClient c, String recipient, int i, String body, long[] latencies)
            throws IOException {
        String r = c.command("MAIL FROM:<bench@localhost>");
        if (!r.startsWith("250")) {
            return r;
        }
        r = c.command("RCPT TO:<" + recipient + "@bench.test>");
        if (!r.startsWith("250")) {
            c.command("RSET");
            return r;
        }
        r = c.command("DATA");
        if (!r.startsWith("354")) {
            return r;
        }
        c.sendBytes(("Subject: bench " + i + "\r\nFrom: bench@localhost\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII));
        long t0 = System.nanoTime();
        c.send(".\r\n");
        r = c.readReply();
        if (latencies != null) {
            latencies[i] = System.nanoTime() - t0;
        }
        return r;
    }

    private static String body(int size) {
        StringBuilder sb = new StringBuilder(size + 100);
        String line = "The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuvwxyz\r\n";
        while (sb.length() < size) {
            sb.append(line);
        }
        return sb.toString();
    }

    private static long pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
