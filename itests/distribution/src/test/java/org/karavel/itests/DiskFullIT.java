package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * Disk full (issue 7), by the spool's configured size limit ({@code max_spool_bytes}): when the spool is
 * full new mail gets {@code 452 4.3.1 Insufficient system storage}, the queued mail stays intact, and
 * new mail is accepted again once space returns, either because the queue drained or because the
 * operator raised the limit in the running server.
 */
public class DiskFullIT {
    private static final String NO_STORAGE = "452 4.3.1 Insufficient system storage";
    private static final long LIMIT = 20_000;
    private static final Duration WAIT = Duration.ofSeconds(120);

    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static Distribution karavel;
    private static int smtpPort;
    private static int adminPort;
    private static final AtomicBoolean sinkAccepts = new AtomicBoolean(false);
    private static final AtomicInteger sequence = new AtomicInteger();

    @BeforeClass
    public static void boot() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.add("remote.test", Type.MX, "10 mx.remote.test.", 60);
        dns.add("mx.remote.test", Type.A, "127.0.0.1", 60);
        sink = SmtpSink.start();
        // while the next hop defers, accepted mail stays in the spool and fills it
        sink.onRcpt(r -> sinkAccepts.get() ? "250 2.1.5 Ok" : "451 4.3.0 Not now");
        karavel = Distribution.unpack("disk-full");
        smtpPort = KaravelContainer.freePort();
        adminPort = KaravelContainer.freePort();
        karavel.configure("org.karavel.admin.cfg", Map.of("port", Integer.toString(adminPort), "address", "127.0.0.1"));
        karavel.configure("org.karavel.spool.cfg", Map.of("max_spool_bytes", Long.toString(LIMIT)));
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
                        "1"));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
        Poll.until(
                "the spool's metrics",
                WAIT,
                () -> spoolGauge("karavel_spool_messages") == 0,
                () -> lastMetrics + "; karaf.log ends with:\n" + karavel.logTail(30));
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, sink, dns);
    }

    @Test
    public void fullSpoolAnswers452KeepsQueuedMailAndRecovers() throws Exception {
        // 1. fill the spool up to its limit while the next hop defers
        Map<String, String> queued = fill();
        assertTrue("more than one message fits under " + LIMIT + " octets: " + queued.size(), queued.size() >= 2);
        assertEquals("still full", NO_STORAGE, send(nextId()).reply());
        assertEquals("the queued mail is all there", queued.size(), (int) spoolGauge("karavel_spool_messages"));
        assertTrue("the spool holds at most about its limit", spoolGauge("karavel_spool_bytes") <= LIMIT + 8_192);
        assertTrue("the refusal is logged", karavel.log().contains("spool full"));

        // 2. space returns because the queue drains: the next hop accepts again
        sinkAccepts.set(true);
        Poll.until("the queue to drain", WAIT, () -> spoolGauge("karavel_spool_messages") == 0);
        assertDelivered(queued);
        Map<String, String> after = new LinkedHashMap<>();
        acceptOne(after);
        Poll.until("the new message at the sink", WAIT, () -> atSink(after));

        // 3. full again, and space returns because the operator raises the limit in the running server
        sinkAccepts.set(false);
        Map<String, String> second = fill();
        assertEquals("the queued mail is all there", second.size(), (int) spoolGauge("karavel_spool_messages"));
        karavel.configure("org.karavel.spool.cfg", Map.of("max_spool_bytes", "0"));
        acceptOne(second);
        Poll.until(
                "every queued message still in the spool",
                WAIT,
                () -> spoolGauge("karavel_spool_messages") == second.size());
        assertEquals("nothing quarantined", 0.0, spoolGauge("karavel_spool_quarantined_records"), 0.0);
        sinkAccepts.set(true);
        Poll.until("the queue to drain", WAIT, () -> spoolGauge("karavel_spool_messages") == 0);
        assertDelivered(second);
        assertEquals("nothing quarantined", 0.0, spoolGauge("karavel_spool_quarantined_records"), 0.0);
        System.out.printf(
                "DiskFullIT figures: limit=%d first_fill=%d second_fill=%d delivered=%d%n",
                LIMIT, queued.size(), second.size() - 1, sink.accepted());
    }

    /** Sends messages until the spool refuses one with 452; returns those queued (id to body). */
    private static Map<String, String> fill() throws IOException {
        Map<String, String> queued = new LinkedHashMap<>();
        for (int i = 0; i < 100; i++) {
            Sent s = send(nextId());
            if (s.reply().startsWith("250")) {
                queued.put(s.id(), s.body());
            } else {
                assertEquals("the refusal of a full spool", NO_STORAGE, s.reply());
                return queued;
            }
        }
        throw new AssertionError("100 messages of 4 KB fit in a spool limited to " + LIMIT + " octets");
    }

    /** Sends until one message is accepted (the spool re-opens after a config change: 4xx meanwhile). */
    private static void acceptOne(Map<String, String> into) {
        Poll.until("a message accepted again", WAIT, () -> {
            try {
                Sent s = send(nextId());
                if (s.reply().startsWith("250")) {
                    into.put(s.id(), s.body());
                    return true;
                }
                assertTrue("a temporary refusal only: " + s.reply(), s.reply().startsWith("4"));
                return false;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private static void assertDelivered(Map<String, String> messages) {
        Poll.until("every queued message at the sink", WAIT, () -> atSink(messages));
    }

    /** Each message arrived whole: its Message-ID and its exact body. */
    private static boolean atSink(Map<String, String> messages) {
        return messages.entrySet().stream()
                .allMatch(e -> sink.messages().stream()
                        .map(SmtpSink.ReceivedMail::contentAsString)
                        .anyMatch(c -> c.contains("Message-ID: <" + e.getKey() + ">\r\n")
                                && c.contains("\r\n\r\n" + e.getValue())));
    }

    private record Sent(String id, String body, String reply) {}

    private static String nextId() {
        return "full-" + sequence.incrementAndGet() + "@disk.test";
    }

    private static Sent send(String id) throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            body.append(id)
                    .append(" line ")
                    .append(i)
                    .append(' ')
                    .append("y".repeat(50))
                    .append("\r\n");
        }
        try (SmtpClient c = SmtpClient.connect(smtpPort)) {
            c.setReadTimeoutMillis(30_000);
            String r = c.readReply();
            if (r == null || !r.startsWith("220")) {
                return new Sent(id, body.toString(), String.valueOf(r));
            }
            c.command("EHLO client.test");
            r = c.sendMail(
                    "app@localhost",
                    List.of("user@remote.test"),
                    "Message-ID: <" + id + ">\r\nSubject: disk full\r\n\r\n" + body);
            return new Sent(id, body.toString(), String.valueOf(r));
        }
    }

    /** A gauge of the spool from the admin API's Prometheus text; -1 while it cannot be read. */
    private static double spoolGauge(String name) {
        MetricsText.Reading r = MetricsText.look(adminPort, name);
        lastMetrics = r.seen();
        return r.value();
    }

    /** What the last look at /metrics found, for a timeout's message. */
    private static volatile String lastMetrics;
}
