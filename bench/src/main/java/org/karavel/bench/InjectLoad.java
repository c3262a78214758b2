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
import org.karavel.testkit.SmtpSink;

/**
 * Drives {@code POST /api/v1/inject} of a running Karavel: R recipients in calls of N, each recipient
 * with its own substitutions (name and code into Subject and text), C calls at a time; Karavel relays
 * the messages to a sink that this program runs. Prints recipients/s queued (first call sent to last
 * 202) and recipients/s until the sink has every message.
 *
 * <p>Usage: {@code InjectLoad <admin port> <sink port file> [recipients=10000] [per call=1000]
 * [concurrent calls=1] [warm-up recipients=0] [suspend=false]}. The warm-up goes first (same calls,
 * not counted, relayed before the measured run starts), so that the JIT has compiled the path. With
 * suspend, delivery to the recipients' domain is suspended while the calls run (resumed after), so
 * that the first figure is the injection's alone and not shared with relaying.
 */
public final class InjectLoad {
    private static final Duration CALL_TIMEOUT = Duration.ofMinutes(5);

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println(
                    "usage: InjectLoad <admin port> <sink port file> [recipients] [per call] [concurrent] [warmup]");
            System.exit(2);
        }
        int adminPort = Integer.parseInt(args[0]);
        Path sinkPortFile = Path.of(args[1]);
        int recipients = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        int perCall = args.length > 3 ? Integer.parseInt(args[3]) : 1000;
        int concurrent = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 0;
        // true: delivery to bench.test is suspended while the calls run, so that only injection is measured
        boolean suspend = args.length > 6 && Boolean.parseBoolean(args[6]);
        URI inject = URI.create("http://127.0.0.1:" + adminPort + "/api/v1/inject");
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        try (SmtpSink sink = SmtpSink.start().keepContent(false)) {
            Files.writeString(sinkPortFile, Integer.toString(sink.port()));
            System.out.println("sink listening on 127.0.0.1:" + sink.port());
            Path go = sinkPortFile.resolveSibling(sinkPortFile.getFileName() + ".go");
            awaitTrue("the caller to start Karavel", Duration.ofMinutes(5), () -> Files.exists(go));
            awaitTrue("the admin API", Duration.ofMinutes(2), () -> health(http, adminPort));
            if (warmup > 0) {
                run(http, inject, "w", warmup, perCall, concurrent);
                awaitTrue("the warm-up at the sink", Duration.ofMinutes(5), () -> sink.accepted() >= warmup);
                System.out.println("warm-up done");
            }
            // CPU time says what the figure would be without the other programs on this shared machine
            Path pidFile = sinkPortFile.resolveSibling("karavel.pid");
            long karavelPid = Files.exists(pidFile)
                    ? Long.parseLong(Files.readString(pidFile).strip())
                    : -1;
            long karavelCpu0 = cpuMillis(karavelPid);
            long commits0 = spoolCommits(http, adminPort);
            long ownCpu0 = cpuMillis(ProcessHandle.current().pid());
            if (suspend) {
                domain(http, adminPort, "suspend");
            }
            long start = System.nanoTime();
            int failed = run(http, inject, "r", recipients, perCall, concurrent);
            double queued = (System.nanoTime() - start) / 1e9;
            long karavelCpuQueueing = cpuMillis(karavelPid) - karavelCpu0;
            long commits = spoolCommits(http, adminPort) - commits0;
            if (suspend) {
                domain(http, adminPort, "resume");
            }
            awaitTrue(
                    "every message at the sink",
                    Duration.ofMinutes(10),
                    () -> sink.accepted() >= warmup + recipients - failed);
            double relayed = (System.nanoTime() - start) / 1e9;
            long karavelCpu = cpuMillis(karavelPid) - karavelCpu0;
            long ownCpu = cpuMillis(ProcessHandle.current().pid()) - ownCpu0;
            System.out.printf(
                    "injected %,d recipients in calls of %,d (%d at a time%s): %.2f s, %,.0f recipients/s queued "
                            + "(202 answered)%n",
                    recipients,
                    perCall,
                    concurrent,
                    suspend ? ", delivery suspended meanwhile" : ", delivering meanwhile",
                    queued,
                    recipients / queued);
            // with delivery suspended nearly every commit is new messages only: messages per fsync
            System.out.printf(
                    "spool commits while the calls ran: %,d (%.0f recipients per commit)%n",
                    commits, recipients / (double) Math.max(1, commits));
            System.out.printf(
                    "at the sink after %.2f s: %,.0f recipients/s end to end; failed: %d%n",
                    relayed, recipients / relayed, failed);
            if (karavelPid > 0) {
                System.out.printf(
                        "CPU used by Karavel while the calls ran: %.2f s, %.3f ms per recipient%n",
                        karavelCpuQueueing / 1e3, karavelCpuQueueing / (double) recipients);
                System.out.printf(
                        "CPU used meanwhile: Karavel %.2f s, this load generator and sink %.2f s: %.2f ms of CPU per "
                                + "recipient queued and relayed; %d cores, so at most %,.0f recipients/s with "
                                + "nothing else running%n",
                        karavelCpu / 1e3,
                        ownCpu / 1e3,
                        (karavelCpu + ownCpu) / (double) recipients,
                        Runtime.getRuntime().availableProcessors(),
                        recipients * 1000.0 * Runtime.getRuntime().availableProcessors() / (karavelCpu + ownCpu));
            }
        }
    }

    /** Posts the calls, C at a time; returns how many recipients were not queued. */
    private static int run(HttpClient http, URI inject, String prefix, int recipients, int perCall, int concurrent)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrent);
        AtomicInteger failed = new AtomicInteger();
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int first = 0; first < recipients; first += perCall) {
                int from = first;
                int n = Math.min(perCall, recipients - first);
                calls.add(pool.submit(() -> {
                    HttpResponse<String> r = http.send(
                            HttpRequest.newBuilder(inject)
                                    .timeout(CALL_TIMEOUT)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body(prefix, from, n)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                    if (r.statusCode() != 202) {
                        failed.addAndGet(n);
                        System.err.println("call of " + n + " answered " + r.statusCode() + ": "
                                + r.body().substring(0, Math.min(300, r.body().length())));
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
        return failed.get();
    }

    /** One call's JSON: a text message of about 1 KB per recipient, with two values of its own. */
    static String body(String prefix, int first, int n) {
        StringBuilder sb = new StringBuilder(200 + n * 110);
        sb.append("{\"from\":{\"email\":\"news@bench.karavel.test\",\"name\":\"Bench News\"},")
                .append("\"subject\":\"Hello {{name}}\",")
                .append("\"headers\":{\"X-Campaign\":\"{{campaign}}\"},")
                .append("\"substitutions\":{\"campaign\":\"bench\"},")
                .append("\"text\":\"Dear {{name}},\\n\\nyour code is {{code}}.\\n\\n")
                .append("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\\n".repeat(10))
                .append("\",\"recipients\":[");
        for (int i = first; i < first + n; i++) {
            sb.append(i == first ? "" : ",")
                    .append("{\"email\":\"")
                    .append(prefix)
                    .append(i)
                    .append("@bench.test\",\"substitutions\":{\"name\":\"Reader ")
                    .append(i)
                    .append("\",\"code\":\"C")
                    .append(i * 7919 % 100_003)
                    .append("\"}}");
        }
        return sb.append("]}").toString();
    }

    /** The spool's commit counter from the admin API's /metrics, -1 when absent. */
    private static long spoolCommits(HttpClient http, int port) throws Exception {
        String metrics = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        for (String line : metrics.split("\n")) {
            if (line.startsWith("karavel_spool_commits_total")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    /** Suspends or resumes delivery to bench.test through the admin API. */
    private static void domain(HttpClient http, int port, String action) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/domains/bench.test/" + action))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(action + " bench.test: " + r.statusCode() + " " + r.body());
        }
    }

    /** User plus system CPU time of a process (Linux /proc; clock ticks of 10 ms), 0 when unknown. */
    private static long cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15 of stat (utime, stime); after the command name they are 12th and 13th
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
        } catch (Exception e) {
            return 0;
        }
    }

    /** The API answers and the spool is there (health would also wait for checks the bench does not feed). */
    private static boolean health(HttpClient http, int port) {
        try {
            return http.send(
                                    HttpRequest.newBuilder(
                                                    URI.create("http://127.0.0.1:" + port + "/api/v1/queue/summary"))
                                            .timeout(Duration.ofSeconds(5))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (Exception e) {
            return false;
        }
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    private static void awaitTrue(String what, Duration limit, Condition c) throws Exception {
        long until = System.nanoTime() + limit.toNanos();
        while (!c.holds()) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException("gave up waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
