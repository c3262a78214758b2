package org.karavel.testkit;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;

/** A plain SMTP client for tests: sends lines, reads whole (multi-line) replies. */
public final class SmtpClient implements AutoCloseable {
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    public SmtpClient(String host, int port) throws IOException {
        this(host, port, null);
    }

    /** Connects from a chosen local address, e.g. 127.0.0.2 to appear as another loopback client. */
    public SmtpClient(String host, int port, InetSocketAddress localAddress) throws IOException {
        socket = new Socket();
        if (localAddress != null) {
            socket.bind(localAddress);
        }
        socket.connect(new InetSocketAddress(host, port), 10_000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /**
     * Connects from a chosen local address with a small, fixed receive buffer, so that replies the
     * test does not read soon back up into the server (a client that pipelines without reading).
     */
    public SmtpClient(String host, int port, InetSocketAddress localAddress, int receiveBufferBytes)
            throws IOException {
        socket = new Socket();
        socket.setReceiveBufferSize(receiveBufferBytes); // before connect: it sets the TCP window
        if (localAddress != null) {
            socket.bind(localAddress);
        }
        socket.connect(new InetSocketAddress(host, port), 10_000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /**
     * Turns this connection into TLS in place (after a 220 reply to STARTTLS, or at once for implicit
     * TLS) and returns the session's certificate chain as the server sent it.
     */
    public Certificate[] startTls(javax.net.ssl.SSLSocketFactory factory, String... protocols) throws IOException {
        javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket)
                factory.createSocket(socket, socket.getInetAddress().getHostAddress(), socket.getPort(), true);
        tls.setUseClientMode(true);
        if (protocols.length > 0) {
            tls.setEnabledProtocols(protocols);
        }
        tls.startHandshake();
        socket = tls;
        in = new BufferedInputStream(tls.getInputStream());
        out = tls.getOutputStream();
        return tls.getSession().getPeerCertificates();
    }

    /** The negotiated protocol and cipher suite, or null before TLS. */
    public String tlsParameters() {
        return socket instanceof javax.net.ssl.SSLSocket s
                ? s.getSession().getProtocol() + " " + s.getSession().getCipherSuite()
                : null;
    }

    public static SmtpClient connect(int port) throws IOException {
        return new SmtpClient("127.0.0.1", port);
    }

    public void setReadTimeoutMillis(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Reads one reply; multi-line replies are returned with their lines joined by "\n". Null at EOF. */
    public String readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = SmtpSink.readLine(in);
            if (line == null) {
                return lines.isEmpty() ? null : String.join("\n", lines);
            }
            lines.add(line);
            if (line.length() < 4 || line.charAt(3) != '-') {
                return String.join("\n", lines);
            }
        }
    }

    /** Sends a command line (CRLF added) and returns the reply. */
    public String command(String line) throws IOException {
        send(line + "\r\n");
        return readReply();
    }

    /** Sends raw text as is (for pipelining and malformed input). */
    public void send(String raw) throws IOException {
        sendBytes(raw.getBytes(StandardCharsets.UTF_8));
    }

    public void sendBytes(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
    }

    /**
     * A whole transaction: EHLO is NOT sent here. MAIL, RCPT for each, DATA, the content (dot-stuffed,
     * CRLF.CRLF added); returns the final reply, or the first refusal.
     */
    public String sendMail(String from, List<String> to, String content) throws IOException {
        String r = command("MAIL FROM:<" + from + ">");
        if (!r.startsWith("250")) {
            return r;
        }
        boolean any = false;
        String last = null;
        for (String rcpt : to) {
            last = command("RCPT TO:<" + rcpt + ">");
            any |= last.startsWith("250");
        }
        if (!any) {
            command("RSET");
            return last;
        }
        r = command("DATA");
        if (!r.startsWith("354")) {
            return r;
        }
        StringBuilder sb = new StringBuilder();
        for (String line : content.replace("\r\n", "\n").split("\n", -1)) {
            sb.append(line.startsWith(".") ? "." : "").append(line).append("\r\n");
        }
        sb.append(".\r\n");
        send(sb.toString());
        return readReply();
    }

    public boolean isClosedByPeer() {
        try {
            socket.setSoTimeout(2000);
            return in.read() == -1;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
