package org.karavel.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * The shaping benchmark's load: a DNS server on loopback gives D domains MX hosts under S provider
 * suffixes ({@code siteK.bench.test}), one sink receives for all of them; 20 sessions send M messages,
 * one recipient each, the domains in turn. With {@code shaped}, site k gets a shaping rule whose
 * max_message_rate lets its share go in {@code seconds} / (0.5 + 0.25 k): site 0 is the slowest. Prints, per site, the rate achieved at the sink against its limit, and Karavel's CPU time
 * per 1,000 messages (from /proc of the JVM whose pid the caller writes into the go file).
 *
 * <p>Usage: {@code ShapingLoad <smtp port> <work dir> <karavel etc dir> <messages> <domains> <sites>
 * <seconds> <shaped|free>}. Writes {@code dns.address} and {@code sink.port} into the work dir, then
 * waits for {@code go} (holding the JVM's pid).
 */
public final class ShapingLoad {
    private static final int SESSIONS = 20;
    private static final int BURST = 20;
    /** The issue's test: 600 messages to five domains of one site at 120/min. */
    private static final int ISSUE_RATE = 120;

    private static final int ISSUE_BURST = 10;
    /** Seconds the idle JVM is measured after the load (IDLE_SECONDS in the environment). */
    private static final int IDLE_SECONDS = Integer.parseInt(System.getenv().getOrDefault("IDLE_SECONDS", "60"));

    public static void main(String[] args) throws Exception {
        int smtpPort = Integer.parseInt(args[0]);
        Path work = Path.of(args[1]);
        Path etc = Path.of(args[2]);
        int messages = Integer.parseInt(args[3]);
        int domains = Integer.parseInt(args[4]);
        int sites = Integer.parseInt(args[5]);
        int seconds = Integer.parseInt(args[6]);
        // issue: the issue's own test, only site 0 has a rule (ISSUE_RATE, burst ISSUE_BURST), site 1 none
        boolean issue = args[7].equals("issue");
        boolean shaped = args[7].equals("shaped") || issue;

        int perSite = messages / sites;
        long[] limitPerMinute = new long[sites];
        for (int k = 0; k < sites; k++) {
            // site k's share takes seconds / (0.5 + 0.25 k): site 0 twice the time, site 4 two thirds of it
            limitPerMinute[k] =
                    issue ? (k == 0 ? ISSUE_RATE : 0) : Math.round(perSite * 60.0 / seconds * (0.5 + 0.25 * k));
            if (limitPerMinute[k] > 0 && shaped) {
                Files.writeString(
                        etc.resolve("org.karavel.shaping-site" + k + ".cfg"),
                        "mx_suffixes = .site" + k + ".bench.test\nmax_message_rate = " + limitPerMinute[k]
                                + "/min\nburst = " + (issue ? ISSUE_BURST : BURST) + "\n",
                        StandardCharsets.UTF_8);
            }
        }
        Map<Integer, List<Long>> arrivals = new ConcurrentHashMap<>();
        for (int k = 0; k < sites; k++) {
            arrivals.put(k, new CopyOnWriteArrayList<>());
        }
        try (LoopbackDnsServer dns = LoopbackDnsServer.start();
                SmtpSink sink = SmtpSink.start().keepContent(false)) {
            for (int d = 0; d < domains; d++) {
                int k = d % sites;
                String host = "mx.d" + d + ".site" + k + ".bench.test";
                dns.add("d" + d + ".bench.test", Type.MX, "10 " + host + ".", 3600);
                dns.add(host, Type.A, "127.0.0.1", 3600);
            }
            sink.onRcpt(r -> {
                int d = Integer.parseInt(r.substring(r.indexOf("@d") + 2, r.indexOf(".bench.test")));
                arrivals.get(d % sites).add(System.nanoTime());
                return "250 2.1.5 Ok";
            });
            Files.writeString(work.resolve("dns.address"), dns.address());
            Files.writeString(work.resolve("sink.port"), Integer.toString(sink.port()));
            Path go = work.resolve("go");
            long waitUntil = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!Files.exists(go) && System.nanoTime() < waitUntil) {
                Thread.sleep(100);
            }
            String pid = Files.readString(go).strip();
            long cpuBefore = cpuTicks(pid);
            long jitBefore = jitTicks(pid);
            long start = System.nanoTime();
            AtomicInteger next = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(SESSIONS);
            List<Future<?>> running = new ArrayList<>();
            String body = "Subject: shaping bench\r\n\r\n" + "x".repeat(2000) + "\r\n";
            for (int s = 0; s < SESSIONS; s++) {
                running.add(pool.submit(() -> {
                    try (SmtpClient c = SmtpClient.connect(smtpPort)) {
                        c.readReply();
                        c.command("EHLO bench.test");
                        int i;
                        while ((i = next.getAndIncrement()) < messages) {
                            String to = "u" + i + "@d" + (i % domains) + ".bench.test";
                            if (!c.sendMail("sender@bench.test", List.of(to), body)
                                    .startsWith("250")) {
                                failed.incrementAndGet();
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
            pool.shutdown();
            long queued = System.nanoTime();
            long deadline = queued + TimeUnit.MINUTES.toNanos(30);
            while (sink.accepted() < messages - failed.get() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            long end = System.nanoTime();
            long cpu = cpuTicks(pid) - cpuBefore;
            long jit = jitTicks(pid) - jitBefore;
            System.out.printf(
                    "%s: %d messages (%d refused) to %d domains on %d sites; queued in %.1f s, all at the sink after"
                            + " %.1f s%n",
                    shaped ? "with shaping" : "without shaping",
                    messages,
                    failed.get(),
                    domains,
                    sites,
                    (queued - start) / 1e9,
                    (end - start) / 1e9);
            if (issue) {
                printIssue(arrivals, start, messages / sites);
                return;
            }
            for (int k = 0; k < sites; k++) {
                List<Long> t = new ArrayList<>(arrivals.get(k));
                t.sort(Long::compare);
                double span = t.size() < 2 ? 0 : (t.get(t.size() - 1) - t.get(0)) / 1e9;
                double achieved = span == 0 ? 0 : (t.size() - (shaped ? BURST : 0)) / span * 60;
                System.out.printf(
                        "  site%d: %d messages in %.1f s: %.0f/min achieved%s%n",
                        k,
                        t.size(),
                        span,
                        achieved,
                        shaped
                                ? String.format(
                                        " (limit %d/min, %.1f%% of it)",
                                        limitPerMinute[k], 100 * achieved / limitPerMinute[k])
                                : "");
            }
            System.out.printf(
                    "  connections at the sink: %d (%.1f messages each)%n",
                    sink.connections(), (double) messages / Math.max(1, sink.connections()));
            System.out.printf(
                    "  Karavel CPU: %.2f s in all, %.3f s per 1,000 messages; without the JIT compiler threads"
                            + " (%.2f s): %.3f s per 1,000 messages%n",
                    cpu / 100.0, cpu / 100.0 / messages * 1000, jit / 100.0, (cpu - jit) / 100.0 / messages * 1000);
            // what the JVM spends doing nothing, so a longer run's extra seconds can be told apart
            long idleStart = System.nanoTime();
            long idleCpu = cpuTicks(pid);
            Thread.sleep(TimeUnit.SECONDS.toMillis(IDLE_SECONDS));
            double idlePerSecond = (cpuTicks(pid) - idleCpu) / 100.0 / ((System.nanoTime() - idleStart) / 1e9);
            System.out.printf("  idle afterwards: %.4f CPU-s per second over %d s%n", idlePerSecond, IDLE_SECONDS);
            System.out.printf(
                    "RESULT %s messages=%d seconds=%.1f cpu=%.2f idle_per_second=%.5f%n",
                    shaped ? "shaped" : "free", messages, (end - start) / 1e9, cpu / 100.0, idlePerSecond);
        }
    }

    /**
     * The issue's figures: site 0's arrivals per 10 s, the most in any 60 s window against the rate plus one
     * burst, and when site 1 (no rule) had all its mail.
     */
    private static void printIssue(Map<Integer, List<Long>> arrivals, long start, int perSite) {
        List<Long> t = new ArrayList<>(arrivals.get(0));
        t.sort(Long::compare);
        StringBuilder per10 = new StringBuilder();
        int[] buckets = new int[(int) ((t.get(t.size() - 1) - t.get(0)) / 10_000_000_000L) + 1];
        for (long a : t) {
            buckets[(int) ((a - t.get(0)) / 10_000_000_000L)]++;
        }
        for (int b : buckets) {
            per10.append(' ').append(b);
        }
        int most = 0;
        for (int i = 0, j = 0; i < t.size(); i++) {
            while (t.get(i) - t.get(j) >= 60_000_000_000L) {
                j++;
            }
            most = Math.max(most, i - j + 1);
        }
        double span = (t.get(t.size() - 1) - t.get(0)) / 1e9;
        System.out.printf(
                "  site0 (rule %d/min, burst %d): %d messages in %.1f s: %.0f/min after the burst; most in any 60 s:"
                        + " %d (rate + burst = %d)%n",
                ISSUE_RATE,
                ISSUE_BURST,
                t.size(),
                span,
                (t.size() - ISSUE_BURST) / span * 60,
                most,
                ISSUE_RATE + ISSUE_BURST);
        System.out.printf("  site0 arrivals per 10 s:%s%n", per10);
        long otherLast =
                arrivals.get(1).stream().mapToLong(Long::longValue).max().orElse(start);
        System.out.printf(
                "  site1 (no rule): %d of %d messages, the last %.1f s after the load started%n",
                arrivals.get(1).size(), perSite, (otherLast - start) / 1e9);
    }

    /**
     * utime + stime of the JVM's JIT compiler threads, in clock ticks: a fresh JVM compiles for minutes,
     * more in a longer run, which is no cost of shaping (shaping.sh keeps those threads from exiting).
     */
    private static long jitTicks(String pid) throws IOException {
        long ticks = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                }
            }
        }
        return ticks;
    }

    /** utime + stime of the process, in clock ticks (USER_HZ, 100 on Linux). */
    private static long cpuTicks(String pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
