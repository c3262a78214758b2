package org.karavel.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's {@code rspamd}, started by a test as the current user on free loopback ports, with a
 * configuration generated into a temporary directory: Debian's rules, scores and actions from
 * /etc/rspamd, but no module that needs the network or Redis, and DNS only to a
 * {@link LoopbackDnsServer}. Multimap rules on test senders force actions:
 * {@value #SOFT_REJECT_SENDER} gets {@code soft reject}, {@value #ADD_HEADER_SENDER}
 * {@code add header}, {@value #REWRITE_SENDER} {@code rewrite subject}. The compiled Hyperscan
 * database is kept in target/rspamd-hs-cache so that a second run starts faster. The test stops it
 * ({@link #close()} kills the main process and its workers).
 *
 * <pre>
 * try (RspamdDaemon rspamd = RspamdDaemon.start()) {
 *     ... url = rspamd.url() ...
 * }
 * </pre>
 */
public final class RspamdDaemon implements AutoCloseable {
    public static final String SOFT_REJECT_SENDER = "tempfail@sender.test";
    public static final String ADD_HEADER_SENDER = "marked@sender.test";
    public static final String REWRITE_SENDER = "rewrite@sender.test";
    public static final String SOFT_REJECT_TEXT = "Try again later (test rule)";

    /** Modules that ask DNS or HTTP outside, or sign: off. Redis modules turn themselves off. */
    private static final List<String> DISABLED = List.of(
            "rbl",
            "surbl",
            "fuzzy_check",
            "dkim",
            "dkim_signing",
            "arc",
            "spf",
            "dmarc",
            "asn",
            "rspamd_update",
            "phishing",
            "mx_check",
            "hfilter",
            "url_redirector",
            "emails",
            "whitelist",
            "reputation");

    private final Path dir;
    private final LoopbackDnsServer dns;
    private final int normalPort;
    private final int controllerPort;
    private final int proxyPort;
    private Process process;

    private RspamdDaemon(Path dir, LoopbackDnsServer dns) throws IOException {
        this.dir = dir;
        this.dns = dns;
        this.normalPort = freePort();
        this.controllerPort = freePort();
        this.proxyPort = freePort();
    }

    /** Starts Rspamd and waits until its normal worker answers /ping (the first start compiles regexps). */
    public static RspamdDaemon start() throws IOException {
        Path dir = Files.createTempDirectory("karavel-rspamd");
        RspamdDaemon d = new RspamdDaemon(dir, LoopbackDnsServer.start());
        try {
            d.writeConfiguration();
            d.launch();
            d.awaitReady();
            return d;
        } catch (IOException | RuntimeException | Error e) {
            d.close();
            throw e;
        }
    }

    /** The normal worker's address, as the filter's {@code url}. */
    public String url() {
        return "http://127.0.0.1:" + normalPort;
    }

    /** The controller's address (it answers /checkv2 too, with the password {@code test-password}). */
    public String controllerUrl() {
        return "http://127.0.0.1:" + controllerPort;
    }

    private void writeConfiguration() throws IOException {
        Path local = Files.createDirectories(dir.resolve("local.d"));
        Files.createDirectories(dir.resolve("db"));
        Path hsCache =
                Files.createDirectories(Path.of("target", "rspamd-hs-cache").toAbsolutePath());
        for (String module : DISABLED) {
            Files.writeString(local.resolve(module + ".conf"), "enabled = false;\n");
        }
        Files.writeString(dir.resolve("soft-reject.map"), SOFT_REJECT_SENDER + "\n");
        Files.writeString(dir.resolve("add-header.map"), ADD_HEADER_SENDER + "\n");
        Files.writeString(dir.resolve("rewrite.map"), REWRITE_SENDER + "\n");
        Files.writeString(
                local.resolve("multimap.conf"),
                rule("KARAVEL_TEST_SOFT_REJECT", "soft-reject.map", "soft reject", SOFT_REJECT_TEXT)
                        + rule("KARAVEL_TEST_ADD_HEADER", "add-header.map", "add header", null)
                        + rule("KARAVEL_TEST_REWRITE", "rewrite.map", "rewrite subject", null));
        String conf = """
                .include "$CONFDIR/common.conf"
                options {
                    pidfile = "%1$s/rspamd.pid";
                    filters = "chartable,regexp";
                    cache_file = "%1$s/db/symbols.cache";
                    dynamic_conf = "%1$s/db/rspamd_dynamic";
                    history_file = "%1$s/db/rspamd.history";
                    control_socket = "%1$s/db/rspamd.sock mode=0600";
                    stats_file = "%1$s/db/stats.ucl";
                    hs_cache_dir = "%2$s/";
                    url_tld = "${SHAREDIR}/effective_tld_names.dat";
                    explicit_modules = ["settings"];
                    allow_raw_input = true;
                    task_timeout = 8s;
                    dns {
                        nameserver = ["127.0.0.1:%3$d"];
                        timeout = 1s;
                        retransmits = 1;
                        sockets = 4;
                    }
                }
                logging {
                    type = "file";
                    filename = "%1$s/rspamd.log";
                    level = "info";
                }
                worker "normal" {
                    bind_socket = "127.0.0.1:%4$d";
                    mime = true;
                    count = 1;
                }
                worker "controller" {
                    bind_socket = "127.0.0.1:%5$d";
                    count = 1;
                    password = "test-password";
                    static_dir = "${WWWDIR}";
                }
                worker "rspamd_proxy" {
                    bind_socket = "127.0.0.1:%6$d";
                    milter = yes;
                    count = 1;
                    upstream "local" {
                        default = yes;
                        self_scan = yes;
                    }
                }
                """.formatted(dir, hsCache, dns.port(), normalPort, controllerPort, proxyPort);
        Files.writeString(dir.resolve("rspamd.conf"), conf);
    }

    private String rule(String name, String map, String action, String message) {
        return name + " {\n  type = \"from\";\n  filter = \"email:addr\";\n  map = \"" + dir.resolve(map)
                + "\";\n  prefilter = true;\n  action = \"" + action + "\";\n"
                + (message == null ? "" : "  message = \"" + message + "\";\n") + "}\n";
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(
                        "rspamd",
                        "-f",
                        "-i", // tests may run as root: workers stay with the current user
                        "-c",
                        dir.resolve("rspamd.conf").toString(),
                        "--var=LOCAL_CONFDIR=" + dir,
                        "--var=DBDIR=" + dir.resolve("db"),
                        "--var=RUNDIR=" + dir,
                        "--var=LOGDIR=" + dir)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .start();
    }

    private void awaitReady() throws IOException {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ping = HttpRequest.newBuilder(URI.create(url() + "/ping"))
                .timeout(Duration.ofSeconds(2))
                .build();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("rspamd exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<String> r = client.send(ping, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().trim().equals("pong")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet: the first start compiles its regular expressions
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for rspamd", e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("rspamd did not answer /ping on " + url() + " in 5 minutes:\n" + log());
            }
            // the next poll after a short pause, as Awaitility would
            try {
                process.waitFor(250, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for rspamd", e);
            }
        }
    }

    /** What Rspamd wrote to its log and standard output, for a failure message. */
    public String log() {
        StringBuilder sb = new StringBuilder();
        for (String name : List.of("stdout.txt", "rspamd.log")) {
            try {
                List<String> lines = Files.readAllLines(dir.resolve(name), StandardCharsets.UTF_8);
                lines.subList(Math.max(0, lines.size() - 40), lines.size())
                        .forEach(l -> sb.append(l).append('\n'));
            } catch (IOException e) {
                sb.append(name).append(": ").append(e).append('\n');
            }
        }
        return sb.toString();
    }

    /** Stops the main process and its workers, and waits until they are gone. */
    public void stop() {
        if (process == null) {
            return;
        }
        ProcessHandle main = process.toHandle();
        List<ProcessHandle> workers = main.descendants().toList();
        main.destroy();
        workers.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : Stream.concat(Stream.of(main), workers.stream()).toList()) {
            try {
                p.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
        process = null;
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() throws IOException {
        stop();
        dns.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
