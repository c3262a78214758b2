package org.karavel.clamav.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * A real clamd (Debian's clamav-daemon), started by the test as the current user in the foreground
 * on a free loopback port and a unix socket in a temporary directory, with a signature database of
 * one MD5 signature the test writes: nothing comes from the network, no freshclam.
 */
final class ClamdDaemon implements AutoCloseable {
    static final String CLAMD = "/usr/sbin/clamd";
    /** The name clamd reports: its own suffix marks a signature from a database it did not sign. */
    static final String SIGNATURE = "Karavel.Test.Attachment";

    static final String REPORTED = SIGNATURE + ".UNOFFICIAL";

    private final Path directory;
    private final int port;
    private final Process process;

    private ClamdDaemon(Path directory, int port, Process process) {
        this.directory = directory;
        this.port = port;
        this.process = process;
    }

    /** Starts clamd with this StreamMaxLength (e.g. {@code 1M}) and waits until it answers PING. */
    static ClamdDaemon start(Path directory, byte[] infected, String streamMaxLength)
            throws IOException, NoSuchAlgorithmException {
        assertThat(Path.of(CLAMD))
                .as("clamd (Debian package clamav-daemon, installed by .ci/install-packages)")
                .isExecutable();
        Path db = Files.createDirectories(directory.resolve("db"));
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(infected));
        Files.writeString(db.resolve("karavel-test.hdb"), md5 + ":" + infected.length + ":" + SIGNATURE + "\n");
        int port = freePort();
        Path conf = directory.resolve("clamd.conf");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "Foreground yes",
                        "TCPSocket " + port,
                        "TCPAddr 127.0.0.1",
                        "LocalSocket " + directory.resolve("clamd.sock"),
                        "DatabaseDirectory " + db,
                        "LogFile " + directory.resolve("clamd.log"),
                        "PidFile " + directory.resolve("clamd.pid"),
                        "StreamMaxLength " + streamMaxLength,
                        "MaxThreads 4",
                        ""),
                StandardCharsets.US_ASCII);
        Process p = new ProcessBuilder(CLAMD, "--foreground", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("clamd.out").toFile())
                .start();
        ClamdDaemon daemon = new ClamdDaemon(directory, port, p);
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions()
                    .failFast("clamd exited", () -> !p.isAlive())
                    .until(() -> "PONG".equals(daemon.ping(daemon.tcp())));
        } catch (RuntimeException | Error e) {
            daemon.close();
            throw new AssertionError("clamd did not answer PING; its output:\n" + daemon.output(), e);
        }
        return daemon;
    }

    ClamdAddress tcp() {
        return ClamdAddress.parse("tcp:127.0.0.1:" + port);
    }

    ClamdAddress unix() {
        return ClamdAddress.parse("unix:" + directory.resolve("clamd.sock"));
    }

    String ping(ClamdAddress address) throws IOException {
        try (SocketChannel ch = address.newChannel()) {
            address.connect(ch);
            return ClamdProtocol.ping(ch);
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    String output() {
        try {
            return Files.readString(directory.resolve("clamd.out"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Kills clamd and waits until it is gone. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
