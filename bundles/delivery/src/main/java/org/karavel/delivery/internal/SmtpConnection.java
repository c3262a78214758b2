package org.karavel.delivery.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.karavel.api.maillog.MailLogLine;

/**
 * The client side of one SMTP or LMTP connection, with blocking I/O on a worker thread. Every read
 * has a socket timeout; every write has a deadline after which the socket is closed, so a peer that
 * stops reading cannot hold a worker forever.
 */
final class SmtpConnection implements Closeable {
    private static final int MAX_LINE = 4096;
    private static final int MAX_LINES = 200;
    private static final int BUFFER = 64 * 1024;

    /** The TCP socket: in {@code openSockets}, closed to end the connection (also under TLS). */
    private final Socket socket;

    private final Set<Socket> openSockets;
    private final String host;
    private final InetSocketAddress address;
    private final ScheduledExecutorService timer;
    private final Duration replyTimeout;
    /** The socket that carries the conversation: {@code socket}, or the TLS socket over it after STARTTLS. */
    private Socket io;

    private InputStream in;
    private OutputStream out;
    private SSLSocket tls;
    /** The TLS part of the mail log line for this connection ({@code TlsVerdict.logText()}), or empty. */
    private String tlsLog = "";

    private final Map<String, String> extensions = new HashMap<>();
    private volatile boolean timedOut;
    /** Which deadline cut the connection ("reply deadline of 300 s", ...), for the log; null before. */
    private volatile String cutBy;

    private boolean lmtp;
    private boolean broken;

    private SmtpConnection(
            Socket socket,
            String host,
            InetSocketAddress address,
            Duration replyTimeout,
            ScheduledExecutorService timer,
            Set<Socket> openSockets)
            throws IOException {
        this.socket = socket;
        this.openSockets = openSockets;
        this.host = host;
        this.address = address;
        this.replyTimeout = replyTimeout;
        this.timer = timer;
        this.io = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), BUFFER);
        this.out = new BufferedOutputStream(new DeadlineOutputStream(socket.getOutputStream(), timer), BUFFER);
    }

    /**
     * Starts TLS over the connection after the server's 220 to STARTTLS: the handshake runs here,
     * bounded by the reply timeout. Bytes the server sent after its 220 (before TLS) are refused,
     * since a man in the middle could have injected them (RFC 3207 §5, CVE-2011-0411).
     *
     * @param layer makes the client TLS socket over the TCP socket (factory, SNI and parameters)
     * @return the TLS socket, handshake done
     */
    SSLSocket startTls(TlsLayer layer) throws IOException {
        try {
            if (in.available() > 0) {
                throw new IOException("server sent data after its reply to STARTTLS, before TLS");
            }
            SSLSocket s = layer.wrap(socket);
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, replyTimeout.toMillis())));
            // the handshake has no write deadline of its own: the timer closes the TCP socket instead
            ScheduledFuture<?> deadline = timer.schedule(
                    () -> {
                        timedOut = true;
                        close();
                    },
                    replyTimeout.toMillis(),
                    TimeUnit.MILLISECONDS);
            try {
                s.startHandshake();
            } finally {
                deadline.cancel(false);
            }
            tls = s;
            io = s;
            in = new BufferedInputStream(s.getInputStream(), BUFFER);
            out = new BufferedOutputStream(new DeadlineOutputStream(s.getOutputStream(), timer), BUFFER);
            extensions.clear();
            return s;
        } catch (IOException e) {
            broken = true;
            close();
            throw timedOut ? new SocketTimeoutException("TLS handshake with " + relay() + " timed out") : e;
        }
    }

    /** Makes the client TLS socket over a connected TCP socket. */
    @FunctionalInterface
    interface TlsLayer {
        SSLSocket wrap(Socket plain) throws IOException;
    }

    /** Whether the conversation runs under TLS. */
    boolean isTls() {
        return tls != null;
    }

    String tlsLog() {
        return tlsLog;
    }

    void tlsLog(String text) {
        tlsLog = text == null ? "" : text;
    }

    /** Our address of the connection, for TLS-RPT. */
    String localIp() {
        return socket.getLocalAddress() == null ? "" : socket.getLocalAddress().getHostAddress();
    }

    String remoteIp() {
        return address.getAddress().getHostAddress();
    }

    /**
     * Connects; the greeting is not read yet. The socket is in {@code openSockets} from before the
     * connect until it is closed, so that a stopping scheduler can cut off any blocking call.
     */
    static SmtpConnection open(
            Connector connector,
            String host,
            InetSocketAddress address,
            DeliverySettings settings,
            ScheduledExecutorService timer,
            Set<Socket> openSockets)
            throws IOException {
        return open(connector, host, address, settings, timer, openSockets, null, settings.connectTimeout());
    }

    /**
     * Connects from {@code source} (bound before the connect, as Postfix's smtp_bind_address), or
     * from the address the system chooses when it is null.
     */
    static SmtpConnection open(
            Connector connector,
            String host,
            InetSocketAddress address,
            DeliverySettings settings,
            ScheduledExecutorService timer,
            Set<Socket> openSockets,
            InetAddress source,
            Duration connectTimeout)
            throws IOException {
        Socket s = new Socket();
        openSockets.add(s);
        try {
            if (source != null) {
                s.bind(new InetSocketAddress(source, 0));
            }
            connector.connect(
                    s, host, address, (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis())));
            s.setTcpNoDelay(true);
            return new SmtpConnection(s, host, address, settings.replyTimeout(), timer, openSockets);
        } catch (IOException | RuntimeException e) {
            openSockets.remove(s);
            s.close();
            throw e;
        }
    }

    String host() {
        return host;
    }

    /** {@code host[ip]:port} (LMTP: {@code lmtp[host]:port}), as the mail log shows a relay. */
    String relay() {
        return lmtp
                ? MailLogLine.lmtpRelay(host, address.getPort())
                : MailLogLine.relay(host, address.getAddress().getHostAddress(), address.getPort());
    }

    /** Whether the connection can no longer be used (I/O error, timeout, protocol error). */
    boolean isBroken() {
        return broken || socket.isClosed();
    }

    void markBroken() {
        broken = true;
    }

    SmtpReply greeting() throws IOException {
        return read(replyTimeout);
    }

    /** The server's greeting, within {@code timeout} (a shaping site's connect_timeout). */
    SmtpReply greeting(Duration timeout) throws IOException {
        return read(timeout);
    }

    /** EHLO (or LHLO), falling back to HELO when EHLO gets a 5xx. Extensions are known afterwards. */
    SmtpReply hello(String name, boolean lmtp) throws IOException {
        this.lmtp = lmtp;
        send((lmtp ? "LHLO " : "EHLO ") + name);
        SmtpReply r = read(replyTimeout);
        extensions.clear();
        if (r.isPositive()) {
            for (int i = 1; i < r.lines().size(); i++) {
                String l = r.lines().get(i).strip();
                int sp = l.indexOf(' ');
                String kw = (sp < 0 ? l : l.substring(0, sp)).toUpperCase(Locale.ROOT);
                extensions.put(kw, sp < 0 ? "" : l.substring(sp + 1).strip());
            }
            return r;
        }
        if (lmtp || !r.isPermanent()) {
            return r;
        }
        send("HELO " + name);
        return read(replyTimeout);
    }

    boolean offers(String extension) {
        return extensions.containsKey(extension);
    }

    /** The parameters of an EHLO keyword (e.g. AUTH's mechanisms), null when it was not offered. */
    String extension(String keyword) {
        return extensions.get(keyword);
    }

    Duration replyTimeout() {
        return replyTimeout;
    }

    /**
     * Sends one command line that carries a secret (AUTH) and reads the reply; the line's bytes are
     * zeroed once written, and the line is never part of an exception message.
     */
    SmtpReply sendSecret(byte[] line) throws IOException {
        try {
            out.write(line);
            out.write(new byte[] {'\r', '\n'});
            out.flush();
        } catch (IOException e) {
            broken = true;
            throw timedOut ? new SocketTimeoutException("timeout while sending to " + relay()) : e;
        } finally {
            Arrays.fill(line, (byte) 0);
        }
        return read(replyTimeout);
    }

    /** The server's SIZE limit, 0 when it has none or did not say. */
    long sizeLimit() {
        String v = extensions.get("SIZE");
        if (v == null || v.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(v.split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Sends command lines in one write (one line, or a pipelined group). */
    void send(String... lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append("\r\n");
        }
        try {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            broken = true;
            throw timedOut ? new SocketTimeoutException("timeout while sending to " + relay()) : e;
        }
    }

    /**
     * Closes the connection when {@code limit} has passed, unless the returned future is cancelled
     * first: the blocking call in progress then fails with a {@link SocketTimeoutException}.
     */
    ScheduledFuture<?> cutAfter(Duration limit, String what) {
        return timer.schedule(
                () -> {
                    cutBy = what + " of " + limit.toSeconds() + " s";
                    timedOut = true;
                    close();
                },
                Math.max(1, limit.toMillis()),
                TimeUnit.MILLISECONDS);
    }

    /** The deadline that cut this connection ("transaction deadline of 600 s"), or null. */
    String cutBy() {
        return cutBy;
    }

    /**
     * Reads one whole reply within {@code timeout}: the socket timeout bounds each read, and the
     * reply as a whole has the same deadline, so that a server trickling an endless multi-line reply
     * (one line within each read timeout) is cut as well.
     */
    SmtpReply read(Duration timeout) throws IOException {
        ScheduledFuture<?> deadline = cutAfter(timeout, "reply deadline");
        try {
            io.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
            List<String> lines = new ArrayList<>();
            int code = -1;
            while (true) {
                String line = readLine();
                if (line == null) {
                    throw new IOException("connection closed by " + relay());
                }
                if (line.length() < 3
                        || !line.substring(0, 3).chars().allMatch(Character::isDigit)
                        || line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-') {
                    throw new IOException("malformed reply from " + relay() + ": " + abbreviate(line));
                }
                int c = Integer.parseInt(line.substring(0, 3));
                if (code < 0) {
                    code = c;
                }
                if (lines.size() < MAX_LINES) {
                    lines.add(line.length() > 4 ? line.substring(4) : "");
                }
                if (line.length() == 3 || line.charAt(3) == ' ') {
                    return new SmtpReply(code, lines);
                }
            }
        } catch (IOException e) {
            broken = true;
            if (e instanceof SocketTimeoutException && cutBy == null) {
                // the socket timeout came first: the same reply deadline
                cutBy = "reply deadline of " + timeout.toSeconds() + " s";
            }
            if (timedOut && !(e instanceof SocketTimeoutException)) {
                throw new SocketTimeoutException("no complete reply from " + relay() + " (" + cutBy + ")");
            }
            throw e;
        } finally {
            deadline.cancel(false);
        }
    }

    /**
     * Sends the message content dot-stuffed, then CRLF.CRLF (a CRLF is added first when the content
     * does not end with one). A failure to read the content is a {@link QueueFileException}.
     */
    void sendContent(InputStream content) throws IOException {
        byte[] buf = new byte[BUFFER];
        boolean lineStart = true;
        int last1 = '\r';
        int last2 = '\n';
        try {
            while (true) {
                int n;
                try {
                    n = content.read(buf);
                } catch (IOException e) {
                    throw new QueueFileException("queue file read error: " + e.getMessage(), e);
                }
                if (n < 0) {
                    break;
                }
                int start = 0;
                for (int i = 0; i < n; i++) {
                    byte c = buf[i];
                    if (lineStart && c == '.') {
                        out.write(buf, start, i - start);
                        out.write('.');
                        start = i;
                    }
                    lineStart = c == '\n';
                }
                out.write(buf, start, n - start);
                if (n >= 2) {
                    last1 = buf[n - 2];
                    last2 = buf[n - 1];
                } else if (n == 1) {
                    last1 = last2;
                    last2 = buf[0];
                }
            }
            if (last1 != '\r' || last2 != '\n') {
                out.write(new byte[] {'\r', '\n'});
            }
            out.write(new byte[] {'.', '\r', '\n'});
            out.flush();
        } catch (QueueFileException e) {
            broken = true;
            throw e;
        } catch (IOException e) {
            broken = true;
            throw timedOut ? new SocketTimeoutException("timeout while sending message to " + relay()) : e;
        }
    }

    /** Ends politely; a peer that does not answer in a few seconds is just closed. */
    void quit() {
        if (!isBroken()) {
            try {
                send("QUIT");
                read(replyTimeout.compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : replyTimeout);
            } catch (IOException e) {
                // closing anyway
            }
        }
        close();
    }

    @Override
    public void close() {
        broken = true;
        openSockets.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] b = buf.toByteArray();
                int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, len, StandardCharsets.UTF_8);
            }
            if (buf.size() < MAX_LINE) {
                buf.write(c);
            }
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    /** Closes the socket when one write takes longer than the reply timeout. */
    private final class DeadlineOutputStream extends FilterOutputStream {
        private final ScheduledExecutorService timer;

        DeadlineOutputStream(OutputStream out, ScheduledExecutorService timer) {
            super(out);
            this.timer = timer;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ScheduledFuture<?> deadline = timer.schedule(
                    () -> {
                        timedOut = true;
                        close();
                    },
                    replyTimeout.toMillis(),
                    TimeUnit.MILLISECONDS);
            try {
                out.write(b, off, len);
            } finally {
                deadline.cancel(false);
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void close() {
            SmtpConnection.this.close();
        }
    }

    /** The queued content could not be read: a local problem, not the peer's. */
    static final class QueueFileException extends IOException {
        private static final long serialVersionUID = 1L;

        QueueFileException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
