package org.karavel.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;

/**
 * Holds N idle SMTP sessions open against a running Karavel, then checks that a well-behaved client
 * still gets a message through. Plain channels, one small buffer per session: the client stays cheap.
 *
 * <p>Usage: {@code IdleSessions <smtp port> <folder> <sessions> [ehlo=true]}. Writes the sink's port to
 * folder/sink.port and waits for folder/sink.port.go (the caller points Karavel's smarthost at the sink
 * first); writes folder/open when all sessions are open, waits for folder/measured (the caller measures
 * the server meanwhile), then sends the probe message and prints a PROBE line.
 */
public final class IdleSessions {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: IdleSessions <smtp port> <folder> <sessions> [ehlo=true]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path folder = Path.of(args[1]);
        int sessions = Integer.parseInt(args[2]);
        boolean ehlo = args.length < 4 || Boolean.parseBoolean(args[3]);

        try (SmtpSink sink = SmtpSink.start().keepContent(false)) {
            Files.writeString(folder.resolve("sink.port"), Integer.toString(sink.port()));
            awaitFile(folder.resolve("sink.port.go"), TimeUnit.MINUTES.toNanos(5));

            List<SocketChannel> open = Collections.synchronizedList(new ArrayList<>(sessions));
            AtomicInteger refused = new AtomicInteger();
            AtomicReference<String> firstRefusal = new AtomicReference<>();
            AtomicInteger nextSession = new AtomicInteger();
            long t0 = System.nanoTime();
            // a few openers in parallel: each waits for its banner before the next connection
            int openers = Math.min(8, sessions);
            ExecutorService pool = Executors.newFixedThreadPool(openers);
            List<Future<?>> running = new ArrayList<>();
            for (int o = 0; o < openers; o++) {
                running.add(pool.submit(() -> {
                    ByteBuffer buf = ByteBuffer.allocate(4096);
                    while (nextSession.getAndIncrement() < sessions) {
                        SocketChannel ch = null;
                        try {
                            ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                            String banner = readReply(ch, buf);
                            String reply = banner;
                            if (banner.startsWith("220") && ehlo) {
                                ch.write(StandardCharsets.US_ASCII.encode("EHLO idle.bench.test\r\n"));
                                reply = readReply(ch, buf);
                            }
                            if (reply.startsWith("220") || reply.startsWith("250")) {
                                open.add(ch);
                                continue;
                            }
                            refused.incrementAndGet();
                            firstRefusal.compareAndSet(null, reply.strip());
                            ch.close();
                        } catch (IOException e) {
                            refused.incrementAndGet();
                            firstRefusal.compareAndSet(null, e.toString());
                            if (ch != null) {
                                ch.close();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
            pool.shutdown();
            double openSecs = (System.nanoTime() - t0) / 1e9;
            System.out.printf(
                    "opened %d of %d sessions in %.1f s (ehlo=%s), refused or failed %d%s%n",
                    open.size(),
                    sessions,
                    openSecs,
                    ehlo,
                    refused.get(),
                    firstRefusal.get() == null ? "" : "; first: " + firstRefusal.get());
            Files.writeString(folder.resolve("open"), Integer.toString(open.size()));
            awaitFile(folder.resolve("measured"), TimeUnit.MINUTES.toNanos(5));

            int cut = cutByServer(open);
            System.out.printf("still open after the measurement: %d (cut by the server: %d)%n", open.size() - cut, cut);

            // the well-behaved client, while the N are held
            long p0 = System.nanoTime();
            long eod;
            String last;
            try (SmtpClient c = SmtpClient.connect(port)) {
                c.readReply();
                c.command("EHLO probe.bench.test");
                c.command("MAIL FROM:<probe@localhost>");
                c.command("RCPT TO:<probe@bench.test>");
                c.command("DATA");
                c.sendBytes(
                        "Subject: probe\r\nFrom: probe@localhost\r\n\r\nprobe\r\n".getBytes(StandardCharsets.US_ASCII));
                eod = System.nanoTime();
                c.send(".\r\n");
                last = c.readReply();
                c.command("QUIT");
            }
            long p1 = System.nanoTime();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sink.accepted() < 1 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            System.out.printf(
                    "probe: %s (connect to 250 %.1f ms, end-of-DATA to 250 %.1f ms), relayed to the sink: %s%n",
                    last.strip(), (p1 - p0) / 1e6, (p1 - eod) / 1e6, sink.accepted() >= 1);
            System.out.printf(
                    "PROBE probe_ms=%.1f probe_eod_ms=%.1f probe_ok=%s held=%d refused=%d cut=%d%n",
                    (p1 - p0) / 1e6,
                    (p1 - eod) / 1e6,
                    last.startsWith("250") && sink.accepted() >= 1,
                    open.size() - cut,
                    refused.get(),
                    cut);
            for (SocketChannel ch : open) {
                ch.close();
            }
        }
    }

    /** Reads one whole (multi-line) reply with blocking reads; the last line has a space after the code. */
    private static String readReply(SocketChannel ch, ByteBuffer buf) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            buf.clear();
            if (ch.read(buf) < 0) {
                return sb.length() == 0 ? "closed by the server" : sb.toString();
            }
            buf.flip();
            sb.append(StandardCharsets.US_ASCII.decode(buf));
            int lineStart = sb.lastIndexOf("\n", sb.length() - 2) + 1;
            if (sb.length() >= 2
                    && sb.charAt(sb.length() - 1) == '\n'
                    && sb.length() - lineStart >= 4
                    && sb.charAt(lineStart + 3) == ' ') {
                return sb.toString();
            }
        }
    }

    /** Sessions the server has written to or closed while they were idle (a timeout, a 421). */
    private static int cutByServer(List<SocketChannel> open) throws IOException {
        int cut = 0;
        try (Selector selector = Selector.open()) {
            for (SocketChannel ch : open) {
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ);
            }
            cut = selector.selectNow();
            for (SelectionKey k : selector.keys()) {
                k.cancel();
            }
            selector.selectNow();
        }
        for (SocketChannel ch : open) {
            ch.configureBlocking(true);
        }
        return cut;
    }

    private static void awaitFile(Path file, long timeoutNanos) throws InterruptedException {
        long until = System.nanoTime() + timeoutNanos;
        while (!Files.exists(file) && System.nanoTime() < until) {
            Thread.sleep(100);
        }
    }
}
