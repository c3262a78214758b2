package org.karavel.relay.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the LMTP server (Dovecot) whether a recipient exists, as Postfix's reject_unverified_recipient
 * does through its verify service: LHLO, {@code MAIL FROM:<>}, {@code RCPT TO}, {@code RSET},
 * {@code QUIT}, on a thread of its own (never the caller's). Answers are cached: a 250 for
 * {@code positiveSeconds}, a 5xx for {@code negativeSeconds}; a 4xx or an unreachable server is never
 * cached and gives {@code 450 4.1.1}, never a 250. Concurrent questions for one address share one probe.
 */
final class LmtpVerifier implements LocalRecipients.Verifier {
    private static final Logger LOG = LoggerFactory.getLogger(LmtpVerifier.class);
    /** A cache is a cache: past this many addresses it starts again, rather than grow with an attack. */
    static final int MAX_CACHED = 50_000;

    private static final int MAX_LINE = 2048;
    private static final int MAX_LINES = 100;

    /** What the LMTP server said to RCPT: its code, or 0 when it could not be asked. */
    record Answer(int code, String detail) {}

    private record Cached(CompletableFuture<Answer> answer, long expiresNanos) {}

    private final String host;
    private final int port;
    private final String heloName;
    private final long positiveNanos;
    private final long negativeNanos;
    private final Duration timeout;
    private final Executor probes;
    private final LongSupplier clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    LmtpVerifier(
            String host,
            int port,
            String heloName,
            Duration positive,
            Duration negative,
            Duration timeout,
            Executor probes,
            LongSupplier clock) {
        this.host = host;
        this.port = port;
        this.heloName = heloName;
        this.positiveNanos = positive.toNanos();
        this.negativeNanos = negative.toNanos();
        this.timeout = timeout;
        this.probes = probes;
        this.clock = clock;
    }

    /**
     * {@code host:port} of a setting ({@code lmtp:} prefix and {@code [IPv6]} brackets allowed) as
     * {host, port}; null when it is not of that form.
     */
    static String[] hostPort(String setting) {
        String s = setting == null ? "" : setting.strip();
        if (s.toLowerCase(Locale.ROOT).startsWith("lmtp:")) {
            s = s.substring(5);
        }
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            return null;
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            return host.isEmpty() || port < 1 || port > 65535 ? null : new String[] {host, Integer.toString(port)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public CompletionStage<Verdict> verify(MailAddress recipient) {
        return answer(recipient).thenApply(a -> verdict(recipient, a));
    }

    Verdict verdict(MailAddress recipient, Answer a) {
        if (a.code() >= 200 && a.code() < 300) {
            return Verdict.noOpinion();
        }
        if (a.code() >= 500) {
            return LocalRecipients.unknown(recipient);
        }
        return Verdict.defer(
                450, "4.1.1", "<" + recipient + ">: Recipient address rejected: unverified address: " + a.detail());
    }

    CompletableFuture<Answer> answer(MailAddress recipient) {
        String key = recipient.localPart().toLowerCase(Locale.ROOT) + "@" + recipient.domainKey();
        long now = clock.getAsLong();
        Cached c = cache.get(key);
        if (c != null && (!c.answer().isDone() || now - c.expiresNanos() < 0)) {
            return c.answer();
        }
        CompletableFuture<Answer> fresh = new CompletableFuture<>();
        Cached mine = new Cached(fresh, Long.MAX_VALUE);
        Cached raced = c == null ? cache.putIfAbsent(key, mine) : (cache.replace(key, c, mine) ? null : cache.get(key));
        if (raced != null) {
            return raced.answer();
        }
        if (cache.size() > MAX_CACHED) {
            cache.values().removeIf(e -> e.answer().isDone());
        }
        try {
            probes.execute(() -> {
                Answer a;
                try {
                    a = probe(recipient);
                } catch (RuntimeException e) {
                    // an in-flight entry that never settles would hold this address's RCPT forever
                    LOG.warn("LMTP server [{}]:{}: cannot verify <{}>", host, port, recipient, e);
                    a = new Answer(0, "verification failed");
                }
                settle(key, mine, a);
            });
        } catch (RejectedExecutionException e) {
            settle(key, mine, new Answer(0, "too many verifications waiting"));
        }
        return fresh;
    }

    /** Caches the answer (or forgets a transient one) before anyone waiting on it can ask again. */
    private void settle(String key, Cached mine, Answer a) {
        long ttl = a.code() >= 200 && a.code() < 300 ? positiveNanos : a.code() >= 500 ? negativeNanos : 0;
        if (ttl > 0) {
            cache.replace(key, mine, new Cached(mine.answer(), clock.getAsLong() + ttl));
        } else {
            cache.remove(key, mine);
        }
        mine.answer().complete(a);
    }

    /** One LMTP dialogue; blocking, with a deadline for the whole of it. */
    Answer probe(MailAddress recipient) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String where = "LMTP server [" + host + "]:" + port;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            int greeting = reply(socket, in, deadline);
            if (greeting != 220) {
                return new Answer(greeting >= 500 ? 0 : greeting, where + " greeted with " + greeting);
            }
            if (command(socket, in, out, "LHLO " + heloName, deadline) != 250
                    || command(socket, in, out, "MAIL FROM:<>", deadline) != 250) {
                return new Answer(0, where + " refused LHLO or MAIL FROM");
            }
            int rcpt = command(socket, in, out, "RCPT TO:" + recipient.toPath(), deadline);
            // RSET and QUIT are courtesy; their answers change nothing
            send(out, "RSET");
            send(out, "QUIT");
            LOG.debug("{}: RCPT {} -> {}", where, recipient, rcpt);
            return new Answer(rcpt, where + " answered " + rcpt);
        } catch (IOException e) {
            LOG.warn("{}: cannot verify <{}>: {}", where, recipient, e.toString());
            return new Answer(
                    0, where + (e instanceof SocketTimeoutException ? " did not answer in time" : " unreachable"));
        }
    }

    private static int command(Socket socket, InputStream in, OutputStream out, String line, long deadline)
            throws IOException {
        send(out, line);
        return reply(socket, in, deadline);
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The code of one (multi-line) reply; a reply that never ends is cut by the deadline and the line limits. */
    private static int reply(Socket socket, InputStream in, long deadline) throws IOException {
        for (int lines = 0; lines < MAX_LINES; lines++) {
            StringBuilder line = new StringBuilder();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("deadline passed");
                }
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed");
                }
                if (b == '\n') {
                    break;
                }
                if (b != '\r' && line.length() < MAX_LINE) {
                    line.append((char) b);
                }
            }
            if (line.length() < 3 || !line.substring(0, 3).chars().allMatch(Character::isDigit)) {
                throw new IOException("not an LMTP reply");
            }
            if (line.length() == 3 || line.charAt(3) != '-') {
                return Integer.parseInt(line.substring(0, 3));
            }
        }
        throw new IOException("reply longer than " + MAX_LINES + " lines");
    }
}
