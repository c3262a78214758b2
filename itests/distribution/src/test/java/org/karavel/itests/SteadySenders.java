package org.karavel.itests;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.karavel.testkit.SmtpClient;

/**
 * Several SMTP sessions from 127.0.0.1 that send mail without pause (one message after the other on
 * the same connection), each message with its own Message-ID, and behave as a well-behaved MTA
 * client: a 4xx or a lost connection means "try the same message again" (on a new connection after
 * 421 or a cut), only a 250 after DATA means "queued".
 */
final class SteadySenders implements AutoCloseable {
    /** A client waits this long before it reconnects after a refused or cut connection. */
    private static final long RECONNECT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final int port;
    /** Starts every Message-ID, so that two loads sent to one sink keep apart. */
    private final String name;

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    /** Message-IDs that got "250" at the end of DATA. */
    final Set<String> accepted = ConcurrentHashMap.newKeySet();
    /** Message-IDs whose DATA was sent but whose connection was lost before the final reply. */
    final Set<String> unanswered = ConcurrentHashMap.newKeySet();

    final AtomicInteger attempts = new AtomicInteger();
    final AtomicInteger replies421 = new AtomicInteger();
    final AtomicInteger other4xx = new AtomicInteger();
    final AtomicInteger cutWithoutReply = new AtomicInteger();
    final AtomicInteger refusedConnections = new AtomicInteger();
    final List<String> permanentFailures = new CopyOnWriteArrayList<>();
    final List<String> samples4xx = new CopyOnWriteArrayList<>();

    SteadySenders(int port, int sessions, String name) {
        this.port = port;
        this.name = name;
        for (int s = 0; s < sessions; s++) {
            int session = s;
            Thread t = new Thread(() -> sendLoop(session), "steady-sender-" + s);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    private String messageId(int session, int n) {
        return "<" + name + "-" + session + "-" + n + "@client.test>";
    }

    /** Whether a Message-ID (with its angle brackets) is one of this load's. */
    boolean sent(String messageId) {
        return messageId.startsWith("<" + name + "-");
    }

    private void sendLoop(int session) {
        SmtpClient c = null;
        int n = 0;
        while (running) {
            String id = messageId(session, n);
            try {
                if (c == null) {
                    c = open();
                    if (c == null) {
                        LockSupport.parkNanos(RECONNECT_PAUSE_NANOS);
                        continue;
                    }
                }
                attempts.incrementAndGet();
                String reply = transaction(c, session, id);
                if (reply == null) {
                    cutWithoutReply.incrementAndGet();
                    c = drop(c);
                } else if (reply.startsWith("250")) {
                    accepted.add(id);
                    n++;
                } else if (reply.startsWith("421")) {
                    replies421.incrementAndGet();
                    c = drop(c);
                } else if (reply.startsWith("4")) {
                    other4xx.incrementAndGet();
                    if (samples4xx.size() < 20) {
                        samples4xx.add(id + " " + reply);
                    }
                    String rset = c.command("RSET");
                    if (rset == null || !rset.startsWith("250")) {
                        c = drop(c);
                    }
                    LockSupport.parkNanos(RECONNECT_PAUSE_NANOS);
                } else {
                    // a permanent refusal: a real client would bounce it; the test reports it
                    permanentFailures.add(id + " " + reply);
                    n++;
                    c = drop(c);
                }
            } catch (IOException e) {
                cutWithoutReply.incrementAndGet();
                c = drop(c);
                LockSupport.parkNanos(RECONNECT_PAUSE_NANOS);
            }
        }
        drop(c);
    }

    private SmtpClient open() {
        SmtpClient c;
        try {
            c = SmtpClient.connect(port);
        } catch (IOException e) {
            refusedConnections.incrementAndGet();
            return null;
        }
        try {
            String greeting = c.readReply();
            if (greeting == null || !greeting.startsWith("220")) {
                if (greeting != null && greeting.startsWith("421")) {
                    replies421.incrementAndGet();
                } else {
                    cutWithoutReply.incrementAndGet();
                }
                return drop(c);
            }
            String ehlo = c.command("EHLO client.test");
            if (ehlo == null || !ehlo.startsWith("250")) {
                if (ehlo != null && ehlo.startsWith("421")) {
                    replies421.incrementAndGet();
                } else {
                    cutWithoutReply.incrementAndGet();
                }
                return drop(c);
            }
            return c;
        } catch (IOException e) {
            cutWithoutReply.incrementAndGet();
            return drop(c);
        }
    }

    /** MAIL, RCPT, DATA, content: the first reply that is not a success, the final one, or null on EOF. */
    private String transaction(SmtpClient c, int session, String id) throws IOException {
        String r = c.command("MAIL FROM:<app@localhost>");
        if (r == null || !r.startsWith("250")) {
            return r;
        }
        r = c.command("RCPT TO:<session" + session + "@remote.test>");
        if (r == null || !r.startsWith("250")) {
            return r;
        }
        r = c.command("DATA");
        if (r == null || !r.startsWith("354")) {
            return r;
        }
        unanswered.add(id);
        c.send("Message-ID: " + id + "\r\nFrom: <app@localhost>\r\nTo: <session" + session
                + "@remote.test>\r\nSubject: hot swap " + id + "\r\n\r\nSent while bundles are swapped.\r\n.\r\n");
        r = c.readReply();
        if (r != null) {
            unanswered.remove(id);
        }
        return r;
    }

    private static SmtpClient drop(SmtpClient c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        return null;
    }

    /** Stops sending: each session finishes (or abandons) its current message, then closes. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(90));
        }
    }
}
