package org.karavel.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A real SMTP (or LMTP) server on 127.0.0.1 that keeps what it receives, for tests. Replies can be
 * changed per recipient or per message to provoke deferrals and bounces.
 */
public final class SmtpSink implements AutoCloseable {
    /** A message as the sink received it; content is dot-unstuffed with CRLF line ends. */
    public record ReceivedMail(String helo, String sender, List<String> recipients, byte[] content) {
        public String contentAsString() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    private final boolean lmtp;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "smtp-sink");
        t.setDaemon(true);
        return t;
    });
    private final List<ReceivedMail> messages = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger transactions = new AtomicInteger();
    private volatile Function<String, String> rcptReply = rcpt -> "250 2.1.5 Ok";
    private volatile Function<String, String> mailReply = from -> "250 2.1.0 Ok";
    private volatile Function<ReceivedMail, String> dataReply = m -> "250 2.0.0 Ok: queued";
    private volatile Function<String, String> lmtpRecipientReply = rcpt -> "250 2.0.0 <" + rcpt + "> Ok";
    private volatile String greeting = "220 sink.test ESMTP test sink";
    private volatile boolean keepContent = true;
    /** When set, connections are accepted and never greeted. */
    private volatile boolean silent;

    private volatile boolean eightBitMime = true;
    private volatile boolean dsn;
    /** Every MAIL FROM and RCPT TO line as received, parameters included (for the DSN extension). */
    private final List<String> envelopeCommands = new CopyOnWriteArrayList<>();

    private final AtomicInteger accepted = new AtomicInteger();
    /** STARTTLS is offered when set (RFC 3207). */
    private volatile SSLContext tlsContext;
    /** Per kept message, in the order of messages(): the TLS protocol it came over, or "" for clear text. */
    private final List<String> tlsProtocols = new CopyOnWriteArrayList<>();

    /** Per kept message, in the order of messages(): the client's IP address (the source address it sent from). */
    private final List<String> clientAddresses = new CopyOnWriteArrayList<>();
    /** AUTH PLAIN and LOGIN are offered (after STARTTLS when TLS is offered) and required before MAIL when set. */
    private volatile String authUser;

    private volatile String authPassword;
    /** The reply to every AUTH, whatever the credentials, when set (e.g. a 535). */
    private volatile String authReply;

    private final AtomicInteger authSuccesses = new AtomicInteger();
    private final AtomicInteger authFailures = new AtomicInteger();

    private final AtomicInteger tlsHandshakes = new AtomicInteger();
    /** Times the sink had read everything the client sent and waited for more: the client's round trips. */
    private final AtomicInteger roundTrips = new AtomicInteger();
    /** Per transaction that reached DATA: the round trips from MAIL FROM to DATA, both included. */
    private final List<Integer> commandRoundTrips = new CopyOnWriteArrayList<>();

    private final AtomicInteger tlsFailures = new AtomicInteger();

    private SmtpSink(boolean lmtp, int port) throws IOException {
        this(lmtp, InetAddress.getLoopbackAddress(), port);
    }

    private SmtpSink(boolean lmtp, InetAddress address, int port) throws IOException {
        this.lmtp = lmtp;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(address, port));
        threads.execute(this::acceptLoop);
    }

    /** Starts an SMTP sink on 127.0.0.1 on a free port. */
    public static SmtpSink start() throws IOException {
        return new SmtpSink(false, 0);
    }

    /** Starts an SMTP sink on 127.0.0.1 on the given port (chosen free by the caller beforehand). */
    public static SmtpSink start(int port) throws IOException {
        return new SmtpSink(false, port);
    }

    /** Starts an SMTP sink on another loopback address (127.0.0.2, ::1, ...) on a free port. */
    public static SmtpSink start(InetAddress loopback) throws IOException {
        return start(loopback, 0);
    }

    /** Starts an SMTP sink on another loopback address on the given port (e.g. ::1 on the port of a sink on 127.0.0.1). */
    public static SmtpSink start(InetAddress loopback, int port) throws IOException {
        if (!loopback.isLoopbackAddress()) {
            throw new IllegalArgumentException("test sinks listen on loopback only, not " + loopback);
        }
        return new SmtpSink(false, loopback, port);
    }

    /** Starts an LMTP server (RFC 2033: LHLO, one reply per recipient after DATA). */
    public static SmtpSink startLmtp() throws IOException {
        return new SmtpSink(true, 0);
    }

    /** Starts an SMTP sink on 127.0.0.1 on a free port that offers STARTTLS with this server context. */
    public static SmtpSink startWithTls(SSLContext serverContext) throws IOException {
        return new SmtpSink(false, 0).startTls(serverContext);
    }

    /** Offers STARTTLS from now on, with this server context (null: no more STARTTLS). */
    public SmtpSink startTls(SSLContext serverContext) {
        this.tlsContext = serverContext;
        return this;
    }

    /**
     * The TLS protocol of each kept message, in the order of {@link #messages()} (e.g. {@code TLSv1.3}),
     * or an empty string for one that came in clear text.
     */
    public List<String> tlsProtocols() {
        return List.copyOf(tlsProtocols);
    }

    /**
     * Requires SMTP AUTH (PLAIN or LOGIN, RFC 4954) with these credentials before MAIL: offered in EHLO
     * (only after STARTTLS when the sink offers STARTTLS), checked, {@code 535 5.7.8} when wrong,
     * {@code 530 5.7.0} for MAIL without it.
     */
    public SmtpSink requireAuth(String user, String password) {
        this.authUser = user;
        this.authPassword = password;
        return this;
    }

    /** Answers every AUTH with this reply (null: check the credentials), e.g. {@code 535 5.7.8 no}. */
    public SmtpSink authReply(String reply) {
        this.authReply = reply;
        return this;
    }

    /** AUTH exchanges that succeeded so far. */
    public int authSuccesses() {
        return authSuccesses.get();
    }

    /** AUTH exchanges that failed so far. */
    public int authFailures() {
        return authFailures.get();
    }

    /** The client IP address of each kept message, in the order of {@link #messages()}. */
    public List<String> clientAddresses() {
        return List.copyOf(clientAddresses);
    }

    /** TLS handshakes that completed so far. */
    /**
     * The client's round trips so far: each time the sink had answered everything received and had to
     * wait for the client to send more (the greeting's wait included).
     */
    public int roundTrips() {
        return roundTrips.get();
    }

    /**
     * Per transaction that reached DATA, in order: the round trips the client needed from MAIL FROM
     * to DATA, both included. 1 means MAIL, every RCPT and DATA came in one go (PIPELINING, RFC 2920).
     */
    public List<Integer> commandRoundTrips() {
        return List.copyOf(commandRoundTrips);
    }

    public int tlsHandshakes() {
        return tlsHandshakes.get();
    }

    /** TLS handshakes that failed so far (e.g. the client refused the certificate). */
    public int tlsFailures() {
        return tlsFailures.get();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Messages received so far, in order. */
    public List<ReceivedMail> messages() {
        return List.copyOf(messages);
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** MAIL transactions started so far (several per connection when the client reuses it). */
    public int transactions() {
        return transactions.get();
    }

    /** The reply to each RCPT TO, from the address inside the brackets. */
    public SmtpSink onRcpt(Function<String, String> reply) {
        this.rcptReply = reply;
        return this;
    }

    public SmtpSink onMail(Function<String, String> reply) {
        this.mailReply = reply;
        return this;
    }

    /** The reply at end of data (SMTP). A non-2xx reply means the message is not kept. */
    public SmtpSink onData(Function<ReceivedMail, String> reply) {
        this.dataReply = reply;
        return this;
    }

    /** The reply for each recipient at end of data (LMTP). */
    public SmtpSink onLmtpRecipient(Function<String, String> reply) {
        this.lmtpRecipientReply = reply;
        return this;
    }

    /** Whether EHLO offers 8BITMIME (default yes); without it, a client must send 7-bit content only. */
    public SmtpSink eightBitMime(boolean offer) {
        this.eightBitMime = offer;
        return this;
    }

    /** Whether EHLO offers DSN (RFC 3461; default no). */
    public SmtpSink dsn(boolean offer) {
        dsn = offer;
        return this;
    }

    /** Every MAIL FROM and RCPT TO line received so far, as sent (with its parameters), in order. */
    public List<String> envelopeCommands() {
        return List.copyOf(envelopeCommands);
    }

    /**
     * Accepts connections and never greets (a tarpit, or a host whose SMTP server hangs): the client's
     * greeting timeout is what ends each connection. {@code false} greets again.
     */
    public SmtpSink silent(boolean never) {
        this.silent = never;
        return this;
    }

    public SmtpSink greeting(String line) {
        this.greeting = line;
        return this;
    }

    /** Whether to keep what arrives (default) or only count it, for benchmarks with many large messages. */
    public SmtpSink keepContent(boolean keep) {
        this.keepContent = keep;
        return this;
    }

    /** Messages accepted so far (kept or only counted). */
    public int accepted() {
        return accepted.get();
    }

    public synchronized void clear() {
        messages.clear();
        tlsProtocols.clear();
        clientAddresses.clear();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                // replies to pipelined commands are separate small writes: no Nagle delay between them
                s.setTcpNoDelay(true);
                connections.incrementAndGet();
                open.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        Socket current = socket;
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream(), 65536);
            OutputStream out = socket.getOutputStream();
            String protocol = "";
            if (silent) {
                // hold the connection without a word until the client gives up
                while (in.read() >= 0) {
                    // discard
                }
                return;
            }
            reply(out, greeting);
            if (!greeting.startsWith("220")) {
                return;
            }
            String helo = "";
            boolean authenticated = false;
            String sender = null;
            List<String> rcpts = new ArrayList<>();
            String line;
            int turns = 0;
            while (true) {
                // nothing buffered or in flight: the client has to read our replies before it sends more
                boolean waited = in.available() == 0;
                if (waited) {
                    roundTrips.incrementAndGet();
                }
                if ((line = readLine(in)) == null) {
                    break;
                }
                String upper = line.toUpperCase(Locale.ROOT);
                turns = upper.startsWith("MAIL FROM:") ? 1 : turns + (waited ? 1 : 0);
                if (upper.startsWith("EHLO ") || upper.startsWith("LHLO ")) {
                    helo = line.substring(5).trim();
                    String startTls = tlsContext != null && protocol.isEmpty() && !lmtp ? "250-STARTTLS\r\n" : "";
                    reply(
                            out,
                            "250-sink.test\r\n250-PIPELINING\r\n250-SIZE 104857600\r\n"
                                    + (eightBitMime ? "250-8BITMIME\r\n" : "") + startTls
                                    + (offersAuth(protocol) ? "250-AUTH PLAIN LOGIN\r\n" : "")
                                    + (dsn ? "250-DSN\r\n" : "")
                                    + "250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES");
                } else if (upper.startsWith("AUTH ") && offersAuth(protocol) && !authenticated) {
                    authenticated = authenticate(line, in, out);
                } else if (upper.startsWith("HELO ")) {
                    helo = line.substring(5).trim();
                    reply(out, "250 sink.test");
                } else if (upper.startsWith("MAIL FROM:") && authUser != null && !authenticated) {
                    reply(out, "530 5.7.0 Authentication required");
                } else if (upper.startsWith("MAIL FROM:")) {
                    envelopeCommands.add(line);
                    String from = between(line);
                    String r = mailReply.apply(from);
                    if (r.startsWith("2")) {
                        sender = from;
                        rcpts.clear();
                        transactions.incrementAndGet();
                    }
                    reply(out, r);
                } else if (upper.startsWith("RCPT TO:")) {
                    if (sender == null) {
                        reply(out, "503 5.5.1 Need MAIL");
                        continue;
                    }
                    envelopeCommands.add(line);
                    String to = between(line);
                    String r = rcptReply.apply(to);
                    if (r.startsWith("2")) {
                        rcpts.add(to);
                    }
                    reply(out, r);
                } else if (upper.equals("DATA")) {
                    commandRoundTrips.add(turns);
                    if (sender == null || rcpts.isEmpty()) {
                        reply(out, "503 5.5.1 Need RCPT");
                        continue;
                    }
                    reply(out, "354 End data with <CR><LF>.<CR><LF>");
                    byte[] content = readData(in);
                    if (content == null) {
                        return;
                    }
                    ReceivedMail mail = new ReceivedMail(helo, sender, List.copyOf(rcpts), content);
                    if (lmtp) {
                        boolean kept = false;
                        for (String r : rcpts) {
                            String rr = lmtpRecipientReply.apply(r);
                            if (rr.startsWith("2") && !kept) {
                                kept = true;
                            }
                            reply(out, rr);
                        }
                        if (kept) {
                            keep(mail, protocol, socket);
                        }
                    } else {
                        String r = dataReply.apply(mail);
                        if (r.startsWith("2")) {
                            keep(mail, protocol, socket);
                        }
                        reply(out, r);
                    }
                    sender = null;
                    rcpts.clear();
                } else if (upper.equals("STARTTLS") && tlsContext != null && protocol.isEmpty() && !lmtp) {
                    reply(out, "220 2.0.0 Ready to start TLS");
                    SSLSocket tls = (SSLSocket) tlsContext.getSocketFactory().createSocket(socket, null, true);
                    tls.setUseClientMode(false);
                    current = tls;
                    open.add(tls);
                    try {
                        tls.startHandshake();
                    } catch (IOException e) {
                        tlsFailures.incrementAndGet();
                        return;
                    }
                    tlsHandshakes.incrementAndGet();
                    protocol = tls.getSession().getProtocol();
                    in = new BufferedInputStream(tls.getInputStream(), 65536);
                    out = tls.getOutputStream();
                    // RFC 3207 §4.2: everything learnt before TLS is forgotten
                    helo = "";
                    authenticated = false;
                    sender = null;
                    rcpts.clear();
                } else if (upper.equals("RSET")) {
                    sender = null;
                    rcpts.clear();
                    reply(out, "250 2.0.0 Ok");
                } else if (upper.equals("NOOP")) {
                    reply(out, "250 2.0.0 Ok");
                } else if (upper.equals("QUIT")) {
                    reply(out, "221 2.0.0 Bye");
                    return;
                } else {
                    reply(out, "502 5.5.2 Error: command not recognized");
                }
            }
        } catch (SocketException e) {
            // client went away
        } catch (IOException e) {
            // a test sink has nobody to tell
        } finally {
            open.remove(socket);
            if (current != socket) {
                open.remove(current);
                try {
                    current.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    private synchronized void keep(ReceivedMail mail, String protocol, Socket socket) {
        accepted.incrementAndGet();
        if (keepContent) {
            messages.add(mail);
            tlsProtocols.add(protocol);
            clientAddresses.add(socket.getInetAddress().getHostAddress());
        }
    }

    /** Whether AUTH is offered now: when required, and under TLS if the sink offers STARTTLS. */
    private boolean offersAuth(String protocol) {
        return (authUser != null || authReply != null) && (tlsContext == null || !protocol.isEmpty());
    }

    /** One AUTH exchange (PLAIN with or without initial response, LOGIN); whether it succeeded. */
    private boolean authenticate(String line, InputStream in, OutputStream out) throws IOException {
        String[] parts = line.trim().split("\\s+");
        String mechanism = parts[1].toUpperCase(Locale.ROOT);
        String user;
        String password;
        if (mechanism.equals("PLAIN")) {
            String token = parts.length > 2 ? parts[2] : challenge(in, out, "");
            String[] fields = decode(token).split("\u0000", -1);
            user = fields.length == 3 ? fields[1] : "";
            password = fields.length == 3 ? fields[2] : "";
        } else if (mechanism.equals("LOGIN")) {
            user = decode(challenge(in, out, "VXNlcm5hbWU6"));
            password = decode(challenge(in, out, "UGFzc3dvcmQ6"));
        } else {
            reply(out, "504 5.5.4 Unrecognized authentication type");
            return false;
        }
        String fixed = authReply;
        boolean ok = fixed == null && user.equals(authUser) && password.equals(authPassword);
        (ok ? authSuccesses : authFailures).incrementAndGet();
        reply(
                out,
                fixed != null
                        ? fixed
                        : ok ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authentication credentials invalid");
        return ok;
    }

    private static String challenge(InputStream in, OutputStream out, String prompt) throws IOException {
        reply(out, "334 " + prompt);
        String answer = readLine(in);
        return answer == null ? "" : answer.trim();
    }

    private static String decode(String base64) {
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static String between(String line) {
        int lt = line.indexOf('<');
        int gt = line.lastIndexOf('>');
        return lt >= 0 && gt > lt
                ? line.substring(lt + 1, gt)
                : line.substring(line.indexOf(':') + 1).trim();
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] b = buf.toByteArray();
                int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, len, StandardCharsets.UTF_8);
            }
            buf.write(c);
        }
        return null;
    }

    private static byte[] readData(InputStream in) throws IOException {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            line.write(c);
            if (c == '\n') {
                byte[] l = line.toByteArray();
                line.reset();
                if (l.length == 3 && l[0] == '.' && l[1] == '\r') {
                    return content.toByteArray();
                }
                int off = l.length > 1 && l[0] == '.' ? 1 : 0;
                content.write(l, off, l.length - off);
            }
        }
        return null;
    }
}
