package org.karavel.delivery.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real SMTP (or LMTP, after LHLO) server on 127.0.0.1 that misbehaves on its first {@code hostileConnections}
 * connections and behaves afterwards, so that a test sees the attempt cut and the retry succeed.
 */
final class HostileNextHop implements AutoCloseable {
    /** How the first connections misbehave. */
    enum Trick {
        /** EHLO gets "250-" lines, one every 100 ms, never a last line. */
        ENDLESS_EHLO_REPLY,
        /** Everything is fine until the final dot, which is never answered. */
        SILENT_AFTER_DATA,
        /** Every reply comes 300 ms late: each is in time, the transaction as a whole is not. */
        SLOW_REPLIES
    }

    private final ServerSocket server;
    private final Trick trick;
    private final int hostileConnections;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<String> delivered = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);

    HostileNextHop(Trick trick, int hostileConnections) throws IOException {
        this.trick = trick;
        this.hostileConnections = hostileConnections;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        threads.execute(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    int connections() {
        return connections.get();
    }

    /** The MAIL FROM lines of the transactions that got their 250 after the final dot. */
    List<String> delivered() {
        return List.copyOf(delivered);
    }

    @Override
    public void close() throws IOException {
        server.close();
        timer.shutdownNow();
        threads.shutdownNow();
        for (Socket s : open) {
            s.close();
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                boolean hostile = connections.incrementAndGet() <= hostileConnections;
                threads.execute(() -> serve(s, hostile));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, boolean hostile) {
        try (InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream()) {
            reply(out, "220 hostile.test ESMTP", hostile);
            String mail = "";
            boolean lmtp = false;
            int recipients = 0;
            String line;
            while ((line = ScriptedSmtpServer.readLine(in)) != null) {
                String upper = line.toUpperCase(Locale.ROOT);
                if (upper.startsWith("EHLO ") || upper.startsWith("LHLO ")) {
                    lmtp = upper.startsWith("LHLO ");
                    if (hostile && trick == Trick.ENDLESS_EHLO_REPLY) {
                        out.write("250-hostile.test\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        timer.scheduleAtFixedRate(
                                () -> {
                                    try {
                                        out.write("250-STILL-THINKING\r\n".getBytes(StandardCharsets.US_ASCII));
                                        out.flush();
                                    } catch (IOException e) {
                                        throw new IllegalStateException("client gone", e); // ends the task
                                    }
                                },
                                100,
                                100,
                                TimeUnit.MILLISECONDS);
                        continue;
                    }
                    reply(out, "250-hostile.test\r\n250 8BITMIME", hostile);
                } else if (upper.startsWith("MAIL FROM:")) {
                    mail = line;
                    recipients = 0;
                    reply(out, "250 2.1.0 Ok", hostile);
                } else if (upper.startsWith("RCPT TO:")) {
                    recipients++;
                    reply(out, "250 2.1.5 Ok", hostile);
                } else if (upper.equals("RSET")) {
                    reply(out, "250 2.0.0 Ok", hostile);
                } else if (upper.equals("DATA")) {
                    reply(out, "354 go ahead", hostile);
                    readData(in);
                    if (hostile && trick == Trick.SILENT_AFTER_DATA) {
                        continue; // never answers; the client's next line (if any) is read and ignored
                    }
                    // LMTP: one reply per recipient (RFC 2033 §4.2)
                    for (int i = 0; i < (lmtp ? recipients : 1); i++) {
                        reply(out, "250 2.0.0 Ok: kept", hostile);
                    }
                    delivered.add(mail);
                } else if (upper.equals("QUIT")) {
                    reply(out, "221 2.0.0 Bye", false);
                    return;
                } else {
                    reply(out, "502 5.5.2 unknown command", hostile);
                }
            }
        } catch (IOException e) {
            // the client cut the connection
        }
    }

    private void reply(OutputStream out, String text, boolean hostile) throws IOException {
        if (hostile && trick == Trick.SLOW_REPLIES) {
            // late, but each reply well within the client's reply deadline
            try {
                timer.schedule(() -> null, 300, TimeUnit.MILLISECONDS).get();
            } catch (InterruptedException | ExecutionException e) {
                throw new IOException(e);
            }
        }
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void readData(InputStream in) throws IOException {
        String l;
        do {
            l = ScriptedSmtpServer.readLine(in);
        } while (l != null && !l.equals("."));
    }
}
