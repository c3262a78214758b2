package org.karavel.spool.internal;

import static org.karavel.spool.internal.TestMessages.content;
import static org.karavel.spool.internal.TestMessages.envelope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueuedMessage;

/**
 * Not a test: prints how many messages per second the spool queues durably. Each of 20 writer
 * threads behaves like an SMTP session (writes a body in 8 KB chunks, commits, waits for "queued")
 * and, like delivery, removes the message it queued a little earlier, so the spool stays small.
 *
 * <p>Run: {@code java -cp <test classpath> org.karavel.spool.internal.SpoolBenchmark [dir]}
 */
public final class SpoolBenchmark {
    private static final int THREADS = 20;

    private SpoolBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path base = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("spool-bench");
        run(base, "5 KB, inline (default threshold)", 5 * 1024, 65536, 65536, 20_000);
        run(base, "100 KB, body files (default threshold)", 100 * 1024, 65536, 65536, 4_000);
        run(base, "100 KB, inline (threshold raised to 256 KB)", 100 * 1024, 262144, 262144, 4_000);
        run(base, "5 KB, max_batch 1 (no group commit)", 5 * 1024, 65536, 65536, 2_000);
    }

    private static void run(Path base, String label, int bodySize, int inlineThreshold, int draftMemory, int total)
            throws Exception {
        Path dir = base.resolve("run-" + System.nanoTime());
        SpoolSettings settings = SpoolSettings.defaults(dir)
                .withMinFreeDisk(0)
                .withEmergencyReserve(1 << 20)
                .withInlineThreshold(inlineThreshold)
                .withDraftMemory(draftMemory)
                .withMaxBatch(label.contains("max_batch 1") ? 1 : SpoolSettings.DEFAULT_MAX_BATCH);
        byte[] body = content(42, bodySize);
        AtomicLong next = new AtomicLong();
        try (DurableSpool spool = DurableSpool.open(settings)) {
            long commits0 = spool.commitCount();
            long start = System.nanoTime();
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Thread w = new Thread(() -> {
                    List<QueuedMessage> mine = new ArrayList<>();
                    try {
                        for (long seq; (seq = next.getAndIncrement()) < total; ) {
                            MessageDraft d = spool.create();
                            for (int off = 0; off < body.length; off += 8192) {
                                d.write(body, off, Math.min(8192, body.length - off));
                            }
                            mine.add(d.commit(envelope(seq))
                                    .toCompletableFuture()
                                    .join());
                            if (mine.size() > 10) {
                                spool.remove(mine.remove(0).id())
                                        .toCompletableFuture()
                                        .join();
                            }
                        }
                    } catch (IOException ex) {
                        throw new IllegalStateException(ex);
                    }
                });
                w.start();
                writers.add(w);
            }
            for (Thread w : writers) {
                w.join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long commits = spool.commitCount() - commits0;
            System.out.printf(
                    "%-45s %6d msgs in %5.1f s = %6.0f msg/s queued (+ removes), %5d commits, %5.1f changes/commit%n",
                    label, total, seconds, total / seconds, commits, (total * 2.0 - spool.size()) / commits);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
