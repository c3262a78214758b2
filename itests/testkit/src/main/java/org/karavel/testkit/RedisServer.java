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
    private Process process;

    private RedisServer(Path directory, int port, String user, String password) {
        this.directory = directory;
        this.port = port;
        this.user = user;
        this.password = password;
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
                "port " + port,
                "daemonize no",
                "protected-mode yes",
                "dir " + directory,
                "save \"\"",
                "appendonly no",
                "logfile " + directory.resolve("redis.log"),
                "databases 4"));
        if (password != null && user == null) {
            lines.add("requirepass " + password);
        } else if (password != null) {
            lines.add("user default off");
            lines.add("user " + user + " on >" + password + " ~* &* +@all");
        }
        Files.write(directory.resolve("redis.conf"), lines, StandardCharsets.US_ASCII);
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(
                        REDIS_SERVER.toString(), directory.resolve("redis.conf").toString())
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

    /** {@code redis://127.0.0.1:port} (credentials are configured apart, as Karavel takes them). */
    public String uri() {
        return "redis://127.0.0.1:" + port;
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
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
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
