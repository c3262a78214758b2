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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * A real clamd (Debian's clamav-daemon) for tests, started as the current user in the foreground,
 * listening on a free port of 127.0.0.1 and on a unix socket in the test's directory, with a
 * signature database of one MD5 signature ({@code .hdb}) of a file the test chooses: no freshclam,
 * nothing from the network. clamd reports the signature as {@link #reportedName()}: the name with
 * {@code .UNOFFICIAL}, its mark for a database it did not sign. Wait for {@link #answersPing()}
 * before use (it takes a second or so); {@link #close()} kills it.
 *
 * <pre>
 * try (Clamd clamd = Clamd.start(dir, "Karavel.Test.Attachment", fileBytes, "25M")) {
 *     await().until(clamd::answersPing);
 *     ... address tcp:127.0.0.1:clamd.port() or unix:clamd.socket() ...
 * }
 * </pre>
 */
public final class Clamd implements AutoCloseable {
    /** Where Debian installs clamd. */
    public static final Path CLAMD = Path.of("/usr/sbin/clamd");

    private final Path directory;
    private final String signature;
    private final int port;
    private final Process process;

    private Clamd(Path directory, String signature, int port, Process process) {
        this.directory = directory;
        this.signature = signature;
        this.port = port;
        this.process = process;
    }

    /**
     * Starts clamd with a one-signature database for {@code file} and this {@code StreamMaxLength}
     * (clamd.conf syntax, e.g. {@code 1M}); its files (clamd.conf, db/, the log) go into {@code directory}.
     */
    public static Clamd start(Path directory, String signature, byte[] file, String streamMaxLength)
            throws IOException {
        if (!Files.isExecutable(CLAMD)) {
            throw new IOException(CLAMD + " is missing: install Debian's clamav-daemon (.ci/install-packages does)");
        }
        Path db = Files.createDirectories(directory.resolve("db"));
        Files.writeString(db.resolve("karavel-test.hdb"), md5(file) + ":" + file.length + ":" + signature + "\n");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
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
        Process p = new ProcessBuilder(CLAMD.toString(), "--foreground", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("clamd.out").toFile())
                .start();
        return new Clamd(directory, signature, port, p);
    }

    private static String md5(byte[] file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(file));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
    }

    /** The TCP port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The unix socket (clamd.conf LocalSocket). */
    public Path socket() {
        return directory.resolve("clamd.sock");
    }

    /** The name clamd gives a match of the test's signature. */
    public String reportedName() {
        return signature + ".UNOFFICIAL";
    }

    /**
     * Whether clamd answers {@code zPING} with {@code PONG} on its TCP port now. Throws once the
     * process has ended, so that a wait for it fails at once with clamd's own output.
     */
    public boolean answersPing() {
        if (!process.isAlive()) {
            throw new IllegalStateException("clamd exited with " + process.exitValue() + ":\n" + output());
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("zPING\0".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] answer = in.readNBytes(5);
            return "PONG\0".equals(new String(answer, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return false;
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** What clamd printed (its start-up lines, its errors). */
    public String output() {
        try {
            return Files.readString(directory.resolve("clamd.out"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(" + e + ")";
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
}
