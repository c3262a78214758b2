package org.karavel.itests;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Karavel distribution unpacked and run as an operator runs it ({@code bin/karaf server}), in its
 * own process, so that a test can kill it and start it again.
 */
final class Distribution implements AutoCloseable {
    private final Path home;
    private Process process;

    private Distribution(Path home) {
        this.home = home;
    }

    /** Unpacks the distribution archive built by karaf-assembly into a fresh folder under target/. */
    static Distribution unpack(String name) throws IOException, InterruptedException {
        Path dir = new File("target/" + name).toPath().toAbsolutePath();
        if (Files.exists(dir)) {
            run(List.of("rm", "-rf", dir.toString()), dir.getParent());
        }
        Files.createDirectories(dir);
        run(
                List.of(
                        "tar",
                        "xzf",
                        System.getProperty("karavel.distribution"),
                        "-C",
                        dir.toString(),
                        "--strip-components=1"),
                dir);
        Distribution d = new Distribution(dir);
        // the admin API's default port (8000) and SSH's may be taken on a build machine
        d.configure("org.karavel.admin.cfg", Map.of("port", Integer.toString(KaravelContainer.freePort())));
        d.configure(
                "org.apache.karaf.shell.cfg",
                Map.of("sshPort", Integer.toString(KaravelContainer.freePort()), "sshHost", "127.0.0.1"));
        // the tests of other features send to made-up local users (RecipientValidationIT tests the default, users)
        d.configure("org.karavel.relay.cfg", Map.of("local_recipients", "any"));
        return d;
    }

    Path home() {
        return home;
    }

    Path data() {
        return home.resolve("data");
    }

    /** Sets keys in an etc/ file (properties syntax), replacing existing lines for those keys. */
    void configure(String file, Map<String, String> values) throws IOException {
        Path f = home.resolve("etc").resolve(file);
        List<String> lines = Files.exists(f) ? new ArrayList<>(Files.readAllLines(f)) : new ArrayList<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            lines.removeIf(l -> l.matches("\\s*" + Pattern.quote(e.getKey()) + "\\s*[=:].*"));
            lines.add(e.getKey() + " = " + e.getValue());
        }
        Files.write(f, lines);
    }

    /** The value of a key in an etc/ file as it is on disk now ("" when absent or unreadable). */
    String setting(String file, String key) {
        try {
            for (String line : Files.readAllLines(home.resolve("etc").resolve(file))) {
                Matcher m = Pattern.compile("\\s*" + Pattern.quote(key) + "\\s*[=:]\\s*(.*)")
                        .matcher(line);
                if (m.matches()) {
                    return m.group(1).strip();
                }
            }
        } catch (IOException e) {
            // not there yet
        }
        return "";
    }

    /** The console's SSH port on 127.0.0.1, as unpack chose it. */
    int sshPort() {
        return Integer.parseInt(setting("org.apache.karaf.shell.cfg", "sshPort"));
    }

    /** The admin API's port on 127.0.0.1, as unpack chose it or a test configured it. */
    int adminPort() {
        String port = setting("org.karavel.admin.cfg", "port");
        if (!port.matches("\\d+")) {
            throw new AssertionError("no port in " + home.resolve("etc/org.karavel.admin.cfg") + ": " + port);
        }
        return Integer.parseInt(port);
    }

    /** Waits until an SMTP listener on 127.0.0.1 greets with 220 (the distribution has started). */
    static void awaitSmtp(int port) {
        Poll.until("the SMTP listener on port " + port, bootTimeout(), () -> greets(port));
    }

    /** Whether a new connection to the SMTP listener on 127.0.0.1 gets a 220 greeting now. */
    static boolean greets(int port) {
        try (org.karavel.testkit.SmtpClient c = org.karavel.testkit.SmtpClient.connect(port)) {
            String greeting = c.readReply();
            return greeting != null && greeting.startsWith("220");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Closes the parties that are not null, in order, for a test class's clean-up: every one is tried
     * even when an earlier one fails, then the first failure is thrown (the later ones suppressed in it).
     */
    static void closeAll(AutoCloseable... parties) throws Exception {
        Exception first = null;
        for (AutoCloseable party : parties) {
            if (party == null) {
                continue;
            }
            try {
                party.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Puts the MX listener on 127.0.0.1 at mxPort (as mx.karavel.test), the submission listeners on free ports there. */
    void listenersOnLoopback(int mxPort) throws IOException {
        configure(
                "org.karavel.smtp.listener-mx.cfg",
                Map.of("address", "127.0.0.1", "port", Integer.toString(mxPort), "hostname", "mx.karavel.test"));
        submissionOnLoopback();
    }

    /** Puts the submission listeners on loopback and free ports (tests only ever listen there). */
    void submissionOnLoopback() throws IOException {
        for (String name : List.of("submission", "submissions")) {
            configure(
                    "org.karavel.smtp.listener-" + name + ".cfg",
                    Map.of("address", "127.0.0.1", "port", Integer.toString(KaravelContainer.freePort())));
        }
    }

    void start() throws IOException {
        start(Map.of());
    }

    /** Starts with these variables added to the environment (as systemd's Environment= or CREDENTIALS_DIRECTORY). */
    void start(Map<String, String> environment) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server");
        pb.environment().putAll(environment);
        pb.directory(home.toFile());
        pb.environment().put("EXTRA_JAVA_OPTS", "-Djava.rmi.server.hostname=127.0.0.1");
        // as under systemd: bin/karaf execs the JVM, so signals reach it (see karavel.service)
        pb.environment().put("KARAF_EXEC", "exec");
        pb.redirectErrorStream(true);
        // as under systemd: no terminal, nothing on standard input
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectOutput(
                ProcessBuilder.Redirect.appendTo(home.resolve("console.log").toFile()));
        process = pb.start();
    }

    /** SIGTERM, as systemctl stop sends: Karaf shuts down in order. Waits for the process to end. */
    boolean terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** SIGKILL: no shutdown hook runs, as when the machine loses power. */
    void kill() throws InterruptedException {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The Karaf JVM's process id (bin/karaf execs the JVM, see start()). */
    long pid() {
        return process.pid();
    }

    /** The Karaf JVM's resident set size in KiB (VmRSS of /proc/pid/status), or -1 when unreadable. */
    long residentKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended or /proc is not there
        }
        return -1;
    }

    String log() throws IOException {
        Path log = home.resolve("data/log/karaf.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The last lines of data/log/karaf.log, for the message of a test that timed out. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(home.resolve("data/log/karaf.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(karaf.log unreadable: " + e + ")";
        }
    }

    /** The mail log (data/log/mail.log), empty when it cannot be read yet. */
    String mailLog() {
        Path log = home.resolve("data/log/mail.log");
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    private static void run(List<String> cmd, Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).inheritIO().start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("failed: " + cmd);
        }
    }

    static Duration bootTimeout() {
        return Duration.ofSeconds(120);
    }
}
