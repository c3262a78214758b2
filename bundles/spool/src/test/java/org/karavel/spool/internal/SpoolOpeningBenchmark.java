package org.karavel.spool.internal;

import static org.karavel.spool.internal.TestMessages.address;
import static org.karavel.spool.internal.TestMessages.content;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueuedMessage;

/**
 * Not a test: prints what opening a large spool costs, wall and CPU seconds, in a JVM of its own per
 * run. {@code build DIR N} queues N messages of about 1 KB (one recipient each, 100 domains) through
 * the spool API and closes cleanly; {@code clean DIR} opens it as after {@code bin/stop} (the index
 * snapshot); {@code crash DIR} removes {@code spool.clean} first, as a crash leaves it (the full scan).
 *
 * <p>Run: {@code java -cp <test classpath> org.karavel.spool.internal.SpoolOpeningBenchmark build|clean|crash DIR [N]}
 */
public final class SpoolOpeningBenchmark {
    private static final int WRITERS = 64;

    private SpoolOpeningBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        SpoolSettings settings = SpoolSettings.defaults(dir).withMinFreeDisk(0).withEmergencyReserve(1 << 20);
        switch (args[0]) {
            case "build" -> build(settings, Integer.parseInt(args[2]));
            case "crash" -> {
                Files.deleteIfExists(dir.resolve(CleanShutdownMarker.FILE));
                open(settings, "crash (no spool.clean: every record read)");
            }
            default -> open(settings, "clean (spool.clean and the index snapshot)");
        }
    }

    private static void open(SpoolSettings settings, String label) throws Exception {
        long cpu0 = processCpuNanos();
        long wall0 = System.nanoTime();
        try (DurableSpool spool =
                DurableSpool.open(settings, Clock.systemUTC(), SpoolDisk.REAL, TimeUnit.HOURS.toMillis(1))) {
            double wall = (System.nanoTime() - wall0) / 1e9;
            double cpu = (processCpuNanos() - cpu0) / 1e9;
            System.out.printf(
                    "open %-45s %,9d messages: %6.2f s wall, %6.2f s CPU (whole JVM), %,d records read, from snapshot: %s%n",
                    label, spool.size(), wall, cpu, spool.recordsReadAtOpening(), spool.openedFromSnapshot());
        }
    }

    private static void build(SpoolSettings settings, int total) throws Exception {
        AtomicLong next = new AtomicLong();
        long start = System.nanoTime();
        try (DurableSpool spool = DurableSpool.open(settings)) {
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < WRITERS; t++) {
                Thread w = new Thread(() -> {
                    try {
                        List<CompletableFuture<QueuedMessage>> inFlight = new ArrayList<>();
                        for (long seq; (seq = next.getAndIncrement()) < total; ) {
                            MessageDraft d = spool.create();
                            byte[] body = content(seq, 1000 + (int) (seq % 500));
                            d.write(body, 0, body.length);
                            inFlight.add(d.commit(envelopeOf(seq)).toCompletableFuture());
                            if (inFlight.size() >= 16) {
                                inFlight.remove(0).join();
                            }
                        }
                        inFlight.forEach(CompletableFuture::join);
                    } catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                });
                w.start();
                writers.add(w);
            }
            for (Thread w : writers) {
                w.join();
            }
            System.out.printf("built %,d messages in %.1f s%n", spool.size(), (System.nanoTime() - start) / 1e9);
        }
    }

    private static Envelope envelopeOf(long seq) {
        return new Envelope(
                address("sender" + seq + "@example.test"),
                List.of(address("rcpt" + seq + "@d" + (seq % 100) + ".example.test")),
                Map.of("BODY", "8BITMIME"),
                Instant.ofEpochSecond(1_700_000_000L + seq),
                "192.0.2." + (seq % 250),
                "client.example.test",
                "mx",
                "");
    }

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
