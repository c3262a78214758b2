package org.karavel.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;

/**
 * A real redis-server (Debian's) for tests, in the foreground on 127.0.0.1 and a free port (or the
 * one given), with a configuration generated into the test's directory: no persistence, optionally a
 * password for the default user or an ACL user. {@link #start} returns once it answers PING.
 * {@link #stop()} shuts it down politely, {@link #kill()} with SIGKILL (Redis gone mid-load), and
 * {@link #restart()} starts it again on the same port, empty.
 *
 * <pre>
 * try (RedisServer redis = RedisServer.start(dir)) {
 *     ... uri = redis.uri() ...
 *     redis.kill();            // the store is unreachable
 *     redis.restart();         // and back
 * }
 * </pre>
 */
public final class RedisServer implements AutoCloseable {
    /** Where Debian installs redis-server. */
    public static final Path REDIS_SERVER = Path.of("/usr/bin/redis-server");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path directory;
    private final int port;
    private final String user;
    private final String password;
    // set for a TLS-only server (port 0, tls-port): how this class's own client trusts it
    private SSLContext tls;
    private boolean sentinel;
    private final List<String> extra = new ArrayList<>();
    private Process process;

    private RedisServer(Path directory, int port, String user, String password) {
        this.directory = directory;
        this.port = port;
        this.user = user;
        this.password = password;
    }

    /**
     * A Redis that speaks only TLS ({@code port 0}, {@code tls-port}) on a free port, presenting
     * {@code leaf} (issued by {@code ca}) and not asking clients for certificates. {@link #uri()}
     * is then {@code rediss://127.0.0.1:port}.
     */
    public static RedisServer startTls(Path directory, TestCertificates.Issued leaf, TestCertificates ca)
            throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("cert.pem"), leaf.pem(), StandardCharsets.US_ASCII);
        Files.writeString(directory.resolve("key.pem"), leaf.keyPem(), StandardCharsets.US_ASCII);
        Files.writeString(directory.resolve("ca.pem"), ca.pem(), StandardCharsets.US_ASCII);
        RedisServer r = new RedisServer(directory, freePort(), null, null);
        r.tls = ca.clientContext();
        r.extra.addAll(List.of(
                "tls-cert-file " + directory.resolve("cert.pem"),
                "tls-key-file " + directory.resolve("key.pem"),
                "tls-ca-cert-file " + directory.resolve("ca.pem"),
                "tls-auth-clients no"));
        return r.begin();
    }

    /** A Redis on a free port that replicates the one on {@code masterPort} (no password). */
    public static RedisServer startReplica(Path directory, int masterPort) throws IOException {
        Files.createDirectories(directory);
        RedisServer r = new RedisServer(directory, freePort(), null, null);
        r.extra.add("replicaof 127.0.0.1 " + masterPort);
        return r.begin();
    }

    /**
     * A Redis Sentinel (redis-server in sentinel mode) on a free port, alone in its quorum,
     * monitoring the master {@code masterName} on 127.0.0.1:{@code masterPort}; it calls the master
     * down after 1 s without answers. Its configuration file is writable: Sentinel rewrites it.
     */
    public static RedisServer startSentinel(Path directory, String masterName, int masterPort) throws IOException {
        Files.createDirectories(directory);
        RedisServer r = new RedisServer(directory, freePort(), null, null);
        r.sentinel = true;
        r.extra.addAll(List.of(
                "sentinel resolve-hostnames no",
                "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " 1",
                "sentinel down-after-milliseconds " + masterName + " 1000",
                "sentinel failover-timeout " + masterName + " 10000"));
        return r.begin();
    }

    private RedisServer begin() throws IOException {
        if (!Files.isExecutable(REDIS_SERVER)) {
            throw new IOException(
                    REDIS_SERVER + " is missing: install Debian's redis-server (.ci/install-packages does)");
        }
        writeConfig();
        launch();
        return this;
    }

    /** A Redis without a password on a free port. */
    public static RedisServer start(Path directory) throws IOException {
        return start(directory, 0, null, null);
    }

    /**
     * A Redis on {@code port} (0: a free one). With a password and no user, the default user needs
     * it ({@code requirepass}); with both, only that ACL user may log in (the default user is off).
     */
    public static RedisServer start(Path directory, int port, String user, String password) throws IOException {
        if (!Files.isExecutable(REDIS_SERVER)) {
            throw new IOException(
                    REDIS_SERVER + " is missing: install Debian's redis-server (.ci/install-packages does)");
        }
        Files.createDirectories(directory);
        RedisServer r = new RedisServer(directory, port == 0 ? freePort() : port, user, password);
        r.writeConfig();
        r.launch();
        return r;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void writeConfig() throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "bind 127.0.0.1",
                tls == null ? "port " + port : "port 0",
                "daemonize no",
                "protected-mode yes",
                "dir " + directory,
                "save \"\"",
                "appendonly no",
                "logfile " + directory.resolve("redis.log"),
                "databases 4"));
        if (tls != null) {
            lines.add("tls-port " + port);
        }
        if (sentinel) {
            lines.removeIf(l -> l.startsWith("save") || l.startsWith("appendonly") || l.startsWith("databases"));
        }
        lines.addAll(extra);
        if (password != null && user == null) {
            lines.add("requirepass " + password);
        } else if (password != null) {
            lines.add("user default off");
            lines.add("user " + user + " on >" + password + " ~* &* +@all");
        }
        Files.write(directory.resolve("redis.conf"), lines, StandardCharsets.US_ASCII);
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>(
                List.of(REDIS_SERVER.toString(), directory.resolve("redis.conf").toString()));
        if (sentinel) {
            command.add("--sentinel");
        }
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        directory.resolve("redis.out").toFile()))
                .start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!answersPing()) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + ":\n" + log());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(
                        "redis-server does not answer on port " + port + " after " + START_TIMEOUT + ":\n" + log());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    public int port() {
        return port;
    }

    /**
     * {@code redis://127.0.0.1:port}, or {@code rediss://} for a TLS server (credentials are
     * configured apart, as Karavel takes them).
     */
    public String uri() {
        return (tls == null ? "redis://127.0.0.1:" : "rediss://127.0.0.1:") + port;
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** Whether Redis answers PING now (with the credentials it was started with). */
    public boolean answersPing() {
        try {
            return "PONG".equals(command("PING"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Sends one command (after AUTH when a password is set) and returns the reply as text: a simple
     * string, an error ({@code -ERR ...}), an integer, a bulk string (null when nil), or the elements
     * of an array joined by newlines.
     */
    public String command(String... args) throws IOException {
        try (Socket plain = connected();
                Socket s = tls == null ? plain : tls.getSocketFactory().createSocket(plain, "127.0.0.1", port, true)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            if (password != null) {
                write(out, user == null ? new String[] {"AUTH", password} : new String[] {"AUTH", user, password});
                String ok = read(in);
                if (!"OK".equals(ok)) {
                    throw new IOException("AUTH refused: " + ok);
                }
            }
            write(out, args);
            return read(in);
        }
    }

    private Socket connected() throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
        } catch (IOException e) {
            plain.close();
            throw e;
        }
        return plain;
    }

    private static void write(OutputStream out, String... args) throws IOException {
        StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
            b.append('$').append(bytes.length).append("\r\n").append(a).append("\r\n");
        }
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String read(InputStream in) throws IOException {
        String line = line(in);
        switch (line.charAt(0)) {
            case '+':
            case ':':
                return line.substring(1);
            case '-':
                return line;
            case '$': {
                int n = Integer.parseInt(line.substring(1));
                if (n < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(n + 2);
                return new String(data, 0, n, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line.substring(1));
                List<String> items = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    items.add(read(in));
                }
                return String.join("\n", items);
            }
            default:
                throw new IOException("unexpected reply: " + line);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\r') {
                in.read();
                return b.toString();
            }
            b.append((char) c);
        }
        throw new IOException("connection closed");
    }

    /** Shuts Redis down (SIGTERM: it saves nothing, as configured) and waits until it is gone. */
    public void stop() {
        end(false);
    }

    /** Kills Redis with SIGKILL, as a crash would, and waits until it is gone. */
    public void kill() {
        end(true);
    }

    /** Starts Redis again on the same port with the same configuration (and no data). */
    public void restart() throws IOException {
        if (alive()) {
            stop();
        }
        launch();
    }

    private void end(boolean force) {
        if (process == null) {
            return;
        }
        if (force) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** What redis-server logged. */
    public String log() {
        try {
            Path log = directory.resolve("redis.log");
            Path out = directory.resolve("redis.out");
            return (Files.exists(out) ? Files.readString(out, StandardCharsets.ISO_8859_1) : "")
                    + (Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "");
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    @Override
    public void close() {
        stop();
    }
}
