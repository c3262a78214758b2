package org.karavel.clamav.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback server that speaks the clamd side of zINSTREAM the way a test needs: it decodes the
 * chunks it gets, keeps them, and answers what it is told to, or never answers. For what a real
 * clamd cannot be made to do (answer garbage, hang); everything else is tested against clamd itself.
 */
final class ScriptedClamd implements AutoCloseable {
    private final ServerSocket server;
    private final String answer;
    private final List<byte[]> received = new CopyOnWriteArrayList<>();
    private final List<Integer> chunkSizes = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();

    /** @param answer what to answer after the stream (a NUL is added), or null never to answer */
    ScriptedClamd(String answer) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.answer = answer;
        Thread t = new Thread(this::serve, "scripted-clamd");
        t.setDaemon(true);
        t.start();
    }

    ClamdAddress address() {
        return ClamdAddress.parse("tcp:127.0.0.1:" + server.getLocalPort());
    }

    List<byte[]> received() {
        return received;
    }

    List<Integer> chunkSizes() {
        return chunkSizes;
    }

    int connections() {
        return connections.get();
    }

    /** Connections still open: a silent server's stay open until the client closes them. */
    long openConnections() {
        return open.stream().filter(s -> !s.isClosed() && !s.isInputShutdown()).count();
    }

    private void serve() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                Thread t = new Thread(() -> session(s), "scripted-clamd-session");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void session(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] command = new byte["zINSTREAM\0".length()];
            in.readFully(command);
            if (!"zINSTREAM\0".equals(new String(command, StandardCharsets.US_ASCII))) {
                throw new IOException("not zINSTREAM: " + new String(command, StandardCharsets.US_ASCII));
            }
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            int n;
            while ((n = in.readInt()) > 0) {
                chunkSizes.add(n);
                content.write(in.readNBytes(n));
            }
            received.add(content.toByteArray());
            if (answer == null) {
                // hold the connection until the client gives up and closes it
                while (in.read() >= 0) {}
                return;
            }
            OutputStream out = s.getOutputStream();
            out.write((answer + "\0").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException e) {
            // the client went away: nothing to answer
        } finally {
            open.remove(s);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
