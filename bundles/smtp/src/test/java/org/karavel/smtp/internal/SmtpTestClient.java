package org.karavel.smtp.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A raw SMTP client on a real socket: sends exactly the bytes a test gives, reads replies. */
final class SmtpTestClient implements AutoCloseable {
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    SmtpTestClient(InetSocketAddress address) {
        this(address, 0);
    }

    /** A client on a socket the test connected itself (e.g. an SSLSocket for implicit TLS). */
    SmtpTestClient(Socket connected) {
        try {
            socket = connected;
            socket.setSoTimeout(5000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @param receiveBuffer a small socket receive buffer (0: the default), to make the server's replies back up */
    SmtpTestClient(InetSocketAddress address, int receiveBuffer) {
        try {
            socket = new Socket();
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.connect(new InetSocketAddress("127.0.0.1", address.getPort()), 2000);
            socket.setSoTimeout(5000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client connecting from a chosen loopback address (127.0.0.2 and so on: another client). */
    static SmtpTestClient from(String localAddress, InetSocketAddress server) {
        try {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(localAddress, 0));
            s.connect(new InetSocketAddress(server.getAddress(), server.getPort()), 2000);
            return new SmtpTestClient(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Upgrades this connection in place to TLS (after a 220 to STARTTLS) and completes the handshake. */
    javax.net.ssl.SSLSocket startTls(javax.net.ssl.SSLSocketFactory factory, String... protocols) {
        try {
            javax.net.ssl.SSLSocket tls =
                    (javax.net.ssl.SSLSocket) factory.createSocket(socket, "127.0.0.1", socket.getPort(), true);
            tls.setUseClientMode(true);
            if (protocols.length > 0) {
                tls.setEnabledProtocols(protocols);
            }
            tls.startHandshake();
            socket = tls;
            in = new BufferedInputStream(tls.getInputStream());
            out = tls.getOutputStream();
            return tls;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    SmtpTestClient send(String text) {
        return sendBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    SmtpTestClient sendBytes(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Sends a command line (CRLF added) and returns the reply. */
    String command(String line) {
        send(line + "\r\n");
        return reply();
    }

    /** One whole reply; the lines of a multi-line reply joined with "\n". */
    String reply() {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = line();
            if (line == null) {
                throw new AssertionError("connection closed; reply so far: " + lines);
            }
            lines.add(line);
            if (line.length() < 4 || line.charAt(3) != '-') {
                return String.join("\n", lines);
            }
        }
    }

    /** The next n replies. */
    List<String> replies(int n) {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(reply());
        }
        return all;
    }

    /** One line without CRLF; null at end of stream. */
    String line() {
        try {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int prev = -1;
            while (true) {
                int c = in.read();
                if (c < 0) {
                    return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
                }
                if (c == '\n' && prev == '\r') {
                    byte[] b = line.toByteArray();
                    return new String(b, 0, b.length - 1, StandardCharsets.UTF_8);
                }
                line.write(c);
                prev = c;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the server closed the connection (end of stream within the read timeout). */
    boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("reset");
        }
    }

    /** Whether nothing arrives within the given time (to show that a reply is held back). */
    boolean silentFor(int millis) {
        try {
            socket.setSoTimeout(millis);
            in.mark(1);
            if (in.read() >= 0) {
                in.reset();
            }
            return false; // something arrived, or the connection closed
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                socket.setSoTimeout(5000);
            } catch (IOException e) {
                // closed
            }
        }
    }

    void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // already gone
        }
    }
}
