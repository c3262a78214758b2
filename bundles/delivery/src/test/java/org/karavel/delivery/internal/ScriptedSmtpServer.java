package org.karavel.delivery.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small real SMTP server on 127.0.0.1 whose EHLO extensions the test chooses (the testkit's sink
 * always offers PIPELINING, SIZE, 8BITMIME and SMTPUTF8). It refuses pipelined commands it did not
 * offer pipelining for, and records every command line.
 */
final class ScriptedSmtpServer implements AutoCloseable {
    private final ServerSocket server;
    private final List<String> extensions;
    private final boolean ehlo;
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final List<byte[]> messages = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-smtp");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param ehlo whether EHLO is understood (otherwise 502, and the client must say HELO)
     * @param extensions the EHLO keywords offered, e.g. "SIZE 1000"
     */
    ScriptedSmtpServer(boolean ehlo, String... extensions) throws IOException {
        this.ehlo = ehlo;
        this.extensions = List.of(extensions);
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        threads.execute(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    List<String> commands() {
        return List.copyOf(commands);
    }

    List<byte[]> messages() {
        return List.copyOf(messages);
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        boolean pipelining = false;
        try (s;
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream()) {
            reply(out, "220 scripted.test ESMTP");
            String line;
            while ((line = readLine(in)) != null) {
                commands.add(line);
                if (!pipelining && in.available() > 0 && !line.equalsIgnoreCase("DATA")) {
                    reply(out, "554 5.5.0 pipelining not offered");
                    return;
                }
                String upper = line.toUpperCase(Locale.ROOT);
                if (upper.startsWith("EHLO ")) {
                    if (!ehlo) {
                        reply(out, "502 5.5.2 EHLO not understood");
                        continue;
                    }
                    StringBuilder sb = new StringBuilder("250");
                    sb.append(extensions.isEmpty() ? " " : "-").append("scripted.test");
                    for (int i = 0; i < extensions.size(); i++) {
                        sb.append("\r\n250")
                                .append(i == extensions.size() - 1 ? " " : "-")
                                .append(extensions.get(i));
                    }
                    pipelining = extensions.contains("PIPELINING");
                    reply(out, sb.toString());
                } else if (upper.startsWith("HELO ")) {
                    reply(out, "250 scripted.test");
                } else if (upper.startsWith("MAIL FROM:") || upper.startsWith("RCPT TO:") || upper.equals("RSET")) {
                    reply(out, "250 2.0.0 Ok");
                } else if (upper.equals("DATA")) {
                    reply(out, "354 go ahead");
                    messages.add(readData(in));
                    reply(out, "250 2.0.0 Ok: kept");
                } else if (upper.equals("QUIT")) {
                    reply(out, "221 2.0.0 Bye");
                    return;
                } else {
                    reply(out, "502 5.5.2 unknown command");
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** One line without its CRLF (or LF), null at the end of the stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.UTF_8);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return null;
    }

    private static byte[] readData(InputStream in) throws IOException {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        while (true) {
            String l = readLine(in);
            if (l == null || l.equals(".")) {
                return content.toByteArray();
            }
            content.writeBytes(((l.startsWith(".") ? l.substring(1) : l) + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
