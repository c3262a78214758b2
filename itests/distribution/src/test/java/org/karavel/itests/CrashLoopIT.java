package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * Crash safety under load (issue 7): several sessions send without pause while delivery relays to a
 * sink through a loopback MX; the Karaf JVM is killed with SIGKILL at random moments and started again.
 * Every message that got a 250 must reach the sink, the queue must drain with nothing quarantined, and
 * duplicates are bounded by what can be in flight at a kill (at-least-once delivery).
 */
public class CrashLoopIT {
    private static final int SESSIONS = 4;
    private static final int DELIVERY_CONNECTIONS = 4;
    private static final int KILLS = 4;
    private static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID: <([^>]+)>");
    private static final String PADDING = "x".repeat(70) + "\r\n";

    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static Distribution karavel;
    private static int smtpPort;
    private static int adminPort;

    @BeforeClass
    public static void boot() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.add("remote.test", Type.MX, "10 mx.remote.test.", 60);
        dns.add("mx.remote.test", Type.A, "127.0.0.1", 60);
        sink = SmtpSink.start();
        karavel = Distribution.unpack("crash-loop");
        smtpPort = KaravelContainer.freePort();
        adminPort = KaravelContainer.freePort();
        karavel.configure("org.karavel.admin.cfg", Map.of("port", Integer.toString(adminPort), "address", "127.0.0.1"));
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        karavel.configure(
                "org.karavel.delivery.cfg",
                Map.of(
                        "remote_port",
                        Integer.toString(sink.port()),
                        "min_backoff_seconds",
                        "1",
                        "max_backoff_seconds",
                        "1",
                        "max_connections",
                        Integer.toString(DELIVERY_CONNECTIONS),
                        "max_connections_per_destination",
                        Integer.toString(DELIVERY_CONNECTIONS)));
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, sink, dns);
    }

    @Test
    public void everyAcceptedMessageSurvivesRepeatedSigkill() throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        System.out.println("CrashLoopIT seed " + seed + " (rerun with -Dcrash.seed=" + seed + ")");
        Random random = new Random(seed);

        Set<String> accepted = ConcurrentHashMap.newKeySet();
        Set<String> unconfirmed = ConcurrentHashMap.newKeySet();
        Set<String> retried = ConcurrentHashMap.newKeySet();
        AtomicInteger refusals = new AtomicInteger();
        List<String> permanentFailures = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> senders = new ArrayList<>();
        for (int s = 0; s < SESSIONS; s++) {
            Sender sender = new Sender(s, running, accepted, unconfirmed, retried, refusals, permanentFailures);
            Thread t = new Thread(sender, "crash-loop-sender-" + s);
            t.setDaemon(true);
            senders.add(t);
        }

        karavel.start();
        Distribution.awaitSmtp(smtpPort);
        senders.forEach(Thread::start);
        List<Integer> acceptedAtKill = new ArrayList<>();
        for (int kill = 1; kill <= KILLS; kill++) {
            // the kill moment is random: after a random number of 250s in this run, mid-traffic
            int before = accepted.size();
            int delay = 20 + random.nextInt(300);
            Poll.until(
                    delay + " messages accepted in run " + kill,
                    Distribution.bootTimeout(),
                    () -> accepted.size() >= before + delay);
            acceptedAtKill.add(accepted.size());
            System.out.println("CrashLoopIT kill " + kill + " after " + delay + " messages of the run; accepted so far "
                    + accepted.size() + ", at the sink " + sink.accepted());
            karavel.kill();
            karavel.start();
            Distribution.awaitSmtp(smtpPort);
        }
        int before = accepted.size();
        Poll.until("mail accepted after the last restart", Distribution.bootTimeout(), () -> accepted.size() > before);
        running.set(false);
        for (Thread t : senders) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            assertTrue(t.getName() + " ended", !t.isAlive());
        }
        assertTrue("permanent refusals: " + permanentFailures, permanentFailures.isEmpty());

        Poll.until(
                "every accepted message at the sink",
                Duration.ofSeconds(240),
                () -> sinkCounts().keySet().containsAll(accepted));
        Poll.until(
                "the queue to drain",
                Duration.ofSeconds(240),
                () -> MetricsText.read(adminPort, "karavel_spool_messages") == 0);

        Map<String, Integer> counts = sinkCounts();
        Set<String> missing = new HashSet<>(accepted);
        missing.removeAll(counts.keySet());
        int duplicates = counts.values().stream().mapToInt(n -> n - 1).sum();
        // a duplicate of a message its client sent again (no 250 seen before the kill) vs. one that delivery sent again
        int resentBySessions = counts.entrySet().stream()
                .filter(e -> retried.contains(e.getKey()))
                .mapToInt(e -> e.getValue() - 1)
                .sum();
        Set<String> unexpected = new HashSet<>(counts.keySet());
        unexpected.removeAll(accepted);
        double quarantined = MetricsText.read(adminPort, "karavel_spool_quarantined_records");
        System.out.printf(
                "CrashLoopIT figures: sessions=%d delivery_connections=%d kills=%d accepted(250)=%d accepted_at_kills=%s "
                        + "at_sink=%d distinct_at_sink=%d duplicates=%d (client_resent=%d delivery_resent=%d) delivered_without_250=%d unconfirmed_at_end=%d failed_attempts=%d "
                        + "missing=%d quarantined=%.0f%n",
                SESSIONS,
                DELIVERY_CONNECTIONS,
                KILLS,
                accepted.size(),
                acceptedAtKill,
                sink.accepted(),
                counts.size(),
                duplicates,
                resentBySessions,
                duplicates - resentBySessions,
                unexpected.size(),
                unconfirmed.size(),
                refusals.get(),
                missing.size(),
                quarantined);

        assertTrue("lost messages: " + missing, missing.isEmpty());
        assertEquals("queue drained", 0.0, MetricsText.read(adminPort, "karavel_spool_messages"), 0.0);
        assertEquals("nothing quarantined", 0.0, quarantined, 0.0);
        assertTrue(
                "every message at the sink was sent by a session: " + unexpected,
                unexpected.stream().allMatch(id -> id.endsWith("@crash.test")));
        // each session has at most one message without its 250 at a kill, which it sends again
        assertTrue("client resent " + resentBySessions + " > kills x sessions", resentBySessions <= KILLS * SESSIONS);
        assertTrue(
                "duplicates " + duplicates + " > kills x (sessions + delivery connections)",
                duplicates <= KILLS * (SESSIONS + DELIVERY_CONNECTIONS));
        assertTrue(
                "some mail at the sink is corrupted",
                sink.messages().stream()
                        .allMatch(m -> m.contentAsString()
                                .endsWith(PADDING + "end of " + messageId(m.contentAsString()) + "\r\n")));
        // "spool record ID quarantined: reason" in karaf.log, "ID: quarantined (reason)" in the mail log
        assertTrue(
                "a record was quarantined",
                !karavel.log().contains(" quarantined: ") && !karavel.mailLog().contains(": quarantined ("));
        karavel.log()
                .lines()
                .filter(l -> l.contains("spool opened in"))
                .forEach(l -> System.out.println("CrashLoopIT " + l));
    }

    /** One client session that sends without pause and, like a real client, retries a message until it gets 250. */
    private static final class Sender implements Runnable {
        private final int session;
        private final AtomicBoolean running;
        private final Set<String> accepted;
        private final Set<String> unconfirmed;
        private final Set<String> retried;
        private final AtomicInteger refusals;
        private final List<String> permanentFailures;
        private int next;
        private String pending;

        Sender(
                int session,
                AtomicBoolean running,
                Set<String> accepted,
                Set<String> unconfirmed,
                Set<String> retried,
                AtomicInteger refusals,
                List<String> permanentFailures) {
            this.session = session;
            this.running = running;
            this.accepted = accepted;
            this.unconfirmed = unconfirmed;
            this.retried = retried;
            this.refusals = refusals;
            this.permanentFailures = permanentFailures;
        }

        @Override
        public void run() {
            while (running.get()) {
                try (SmtpClient c = SmtpClient.connect(smtpPort)) {
                    c.setReadTimeoutMillis(60_000);
                    String greeting = c.readReply();
                    if (greeting == null
                            || !greeting.startsWith("220")
                            || !startsWith(c.command("EHLO client" + session + ".test"), "250")) {
                        refusals.incrementAndGet();
                        pause();
                        continue;
                    }
                    while (running.get()) {
                        if (pending == null) {
                            pending = "s" + session + "-" + (next++) + "@crash.test";
                        }
                        String reply = transaction(c, pending);
                        if (startsWith(reply, "250")) {
                            accepted.add(pending);
                            unconfirmed.remove(pending);
                            pending = null;
                        } else if (startsWith(reply, "5")) {
                            permanentFailures.add(pending + ": " + reply);
                            pending = null;
                        } else {
                            // 4xx or a cut connection: the message may or may not be queued; send it again
                            unconfirmed.add(pending);
                            retried.add(pending);
                            refusals.incrementAndGet();
                            break;
                        }
                    }
                } catch (IOException e) {
                    if (pending != null) {
                        unconfirmed.add(pending);
                        retried.add(pending);
                    }
                    refusals.incrementAndGet();
                    pause();
                }
            }
        }

        private static String transaction(SmtpClient c, String id) throws IOException {
            String r = c.command("MAIL FROM:<app@localhost>");
            if (!startsWith(r, "250")) {
                return r;
            }
            r = c.command("RCPT TO:<user@remote.test>");
            if (!startsWith(r, "250")) {
                return r;
            }
            r = c.command("DATA");
            if (!startsWith(r, "354")) {
                return r;
            }
            c.send("Message-ID: <" + id + ">\r\nSubject: crash loop\r\n\r\n" + PADDING.repeat(20) + "end of " + id
                    + "\r\n.\r\n");
            return c.readReply();
        }

        /** Between connection attempts while the server is down: a short back-off, as a client has. */
        private static void pause() {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    private static boolean startsWith(String reply, String prefix) {
        return reply != null && reply.startsWith(prefix);
    }

    private static String messageId(String content) {
        Matcher m = MESSAGE_ID.matcher(content);
        return m.find() ? m.group(1) : "";
    }

    private static Map<String, Integer> sinkCounts() {
        Map<String, Integer> counts = new HashMap<>();
        sink.messages().forEach(m -> counts.merge(messageId(m.contentAsString()), 1, Integer::sum));
        return counts;
    }
}
