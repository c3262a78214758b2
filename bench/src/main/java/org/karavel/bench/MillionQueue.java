package org.karavel.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.karavel.testkit.SmtpSink;

/**
 * The steps of {@code bench/million.sh}, one per call:
 *
 * <ul>
 *   <li>{@code inject <admin port> <messages> <per call> <concurrent>}: queues that many messages
 *       of about 1 KB (one per recipient, each with its own substitutions) through {@code POST
 *       /api/v1/inject}, prints progress and the rate;
 *   <li>{@code summary <admin port>}: times {@code GET /api/v1/queue/summary} (best of three);
 *   <li>{@code flush <admin port>}: {@code POST /api/v1/queue/flush};
 *   <li>{@code sink <port> <expected> <ready file> [seconds=1800]}: a sink on that loopback port (the
 *       destination coming back), prints the drain rate once it has {@code expected} messages or the
 *       time is up.
 * </ul>
 */
public final class MillionQueue {
    private MillionQueue() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "inject" ->
                inject(
                        Integer.parseInt(args[1]),
                        Integer.parseInt(args[2]),
                        Integer.parseInt(args[3]),
                        Integer.parseInt(args[4]));
            case "summary" -> summary(Integer.parseInt(args[1]));
            case "flush" ->
                System.out.println(post(Integer.parseInt(args[1]), "/api/v1/queue/flush", "")
                        .body());
            case "sink" ->
                sink(
                        Integer.parseInt(args[1]),
                        Integer.parseInt(args[2]),
                        Path.of(args[3]),
                        args.length > 4 ? Integer.parseInt(args[4]) : 1800);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private static HttpResponse<String> post(int port, String path, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofMinutes(5))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static void inject(int port, int messages, int perCall, int concurrent) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrent);
        AtomicInteger failed = new AtomicInteger();
        AtomicLong done = new AtomicLong();
        long start = System.nanoTime();
        long step = Math.max(perCall, messages / 20);
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int first = 0; first < messages; first += perCall) {
                int from = first;
                int n = Math.min(perCall, messages - first);
                calls.add(pool.submit(() -> {
                    HttpResponse<String> r = post(port, "/api/v1/inject", InjectLoad.body("m", from, n));
                    if (r.statusCode() != 202) {
                        failed.addAndGet(n);
                        System.err.println("call of " + n + " answered " + r.statusCode() + ": "
                                + r.body().substring(0, Math.min(300, r.body().length())));
                    }
                    long total = done.addAndGet(n);
                    if (total / step != (total - n) / step) {
                        double s = (System.nanoTime() - start) / 1e9;
                        System.out.printf("  %,d queued after %.0f s (%,.0f msg/s)%n", total, s, total / s);
                    }
                    return null;
                }));
            }
            for (Future<?> f : calls) {
                f.get();
            }
        } finally {
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "queued %,d messages in %.0f s: %,.0f msg/s through /api/v1/inject (%d per call, %d calls at a time);"
                        + " failed: %d%n",
                messages, s, messages / s, perCall, concurrent, failed.get());
    }

    private static void summary(int port) throws Exception {
        long best = Long.MAX_VALUE;
        String body = "";
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/queue/summary"))
                            .timeout(Duration.ofMinutes(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            best = Math.min(best, System.nanoTime() - t0);
            body = r.statusCode() + " " + r.body();
        }
        System.out.printf(
                "GET /api/v1/queue/summary: %.0f ms (best of 3): %s%n",
                best / 1e6, body.substring(0, Math.min(200, body.length())));
    }

    private static void sink(int port, int expected, Path ready, int seconds) throws Exception {
        try (SmtpSink sink = SmtpSink.start(port).keepContent(false)) {
            Files.writeString(ready, "ready");
            long start = System.nanoTime();
            long last = start;
            int lastCount = 0;
            long limit = start + Duration.ofSeconds(seconds).toNanos();
            while (sink.accepted() < expected && System.nanoTime() < limit) {
                Thread.sleep(1000);
                long now = System.nanoTime();
                if (now - last >= 30_000_000_000L) {
                    int c = sink.accepted();
                    System.out.printf(
                            "  %,d at the sink after %.0f s (%,.0f msg/s over the last 30 s)%n",
                            c, (now - start) / 1e9, (c - lastCount) / ((now - last) / 1e9));
                    last = now;
                    lastCount = c;
                }
            }
            double s = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "drain: %,d of %,d messages at the sink in %.0f s: %,.0f msg/s%n",
                    sink.accepted(), expected, s, sink.accepted() / s);
        }
    }
}
