package org.karavel.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;

/**
 * Drives a running Karavel the way smtp-source does: S sessions on loopback send M messages of a
 * given size in all, each session reusing its connection; Karavel relays them to a sink that this
 * program runs. Prints messages/s until the sink has them all and the end-of-DATA-to-250 latency.
 *
 * <p>Usage: {@code RelayLoad <karavel smtp port> <sink port file> <sessions> <messages> <size bytes>}.
 * The sink's port is written to the file so the caller can point Karavel's smarthost at it first.
 */
public final class RelayLoad {
    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: RelayLoad <smtp port> <sink port file> <sessions> <messages> <size>");
            System.exit(2);
        }
        int smtpPort = Integer.parseInt(args[0]);
        java.nio.file.Path sinkPortFile = java.nio.file.Path.of(args[1]);
        int sessions = Integer.parseInt(args[2]);
        int messages = Integer.parseInt(args[3]);
        int size = Integer.parseInt(args[4]);

        try (SmtpSink sink = SmtpSink.start().keepContent(false)) {
            java.nio.file.Files.writeString(sinkPortFile, Integer.toString(sink.port()));
            System.out.println("sink listening on 127.0.0.1:" + sink.port());
            // wait for the caller to tell Karavel about the sink
            java.nio.file.Path go = sinkPortFile.resolveSibling(sinkPortFile.getFileName() + ".go");
            long waitUntil = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!java.nio.file.Files.exists(go) && System.nanoTime() < waitUntil) {
                Thread.sleep(100);
            }
            String body = body(size);
            long[] latencies = new long[messages];
            AtomicInteger next = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            AtomicLong firstFailure = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(sessions);
            long start = System.nanoTime();
            List<Future<?>> running = new java.util.ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                running.add(pool.submit(() -> {
                    try (SmtpClient c = SmtpClient.connect(smtpPort)) {
                        c.readReply();
                        c.command("EHLO bench.test");
                        int i;
                        while ((i = next.getAndIncrement()) < messages) {
                            String reply = sendTimed(c, i, body, latencies);
                            if (!reply.startsWith("250")) {
                                failed.incrementAndGet();
                                if (firstFailure.compareAndSet(0, 1)) {
                                    System.out.println("first refusal: " + reply);
                                }
                            }
                        }
                        c.command("QUIT");
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
            while (sink.accepted() < messages - failed.get() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long end = System.nanoTime();

            long[] sorted = Arrays.stream(latencies).filter(l -> l > 0).sorted().toArray();
            double secs = (end - start) / 1e9;
            System.out.printf("sessions=%d messages=%d size=%d refused=%d%n", sessions, messages, size, failed.get());
            System.out.printf("accepted all in %.2f s (%.0f msg/s); relayed all in %.2f s%n",
                    (accepted - start) / 1e9, messages / ((accepted - start) / 1e9), secs);
            System.out.printf("RESULT relay_msgs_per_s=%.0f p50_ms=%.2f p99_ms=%.2f delivered=%d%n",
                    sink.accepted() / secs, pct(sorted, 50) / 1e6, pct(sorted, 99) / 1e6, sink.accepted());
        }
    }

    private static String sendTimed(SmtpClient c, int i, String body, long[] latencies) throws IOException {
        String r = c.command("MAIL FROM:<bench@localhost>");
        if (!r.startsWith("250")) {
            return r;
        }
        r = c.command("RCPT TO:<user" + (i % 100) + "@bench.test>");
        if (!r.startsWith("250")) {
            c.command("RSET");
            return r;
        }
        r = c.command("DATA");
        if (!r.startsWith("354")) {
            return r;
        }
        c.sendBytes(("Subject: bench " + i + "\r\nFrom: bench@localhost\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
        long t0 = System.nanoTime();
        c.send(".\r\n");
        r = c.readReply();
        latencies[i] = System.nanoTime() - t0;
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
