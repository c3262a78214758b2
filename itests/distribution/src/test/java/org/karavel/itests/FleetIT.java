package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.RedisServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.karavel.testkit.TrustAll;
import org.xbill.DNS.Type;

/**
 * Two Karavel nodes, each the real distribution in its own process with its own ports and data,
 * sharing one real redis-server that the test starts on loopback (issue 16). 127.0.0.1 is the
 * application (the only relay host); 127.0.0.2 is a stranger on the Internet. Both nodes deliver to
 * one sink, which holds site conn's transactions to count how many both nodes open at once. The last
 * test kills Redis in the middle of a load and starts it again.
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class FleetIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration BOOT = Duration.ofSeconds(300);
    private static final int GREYLIST_DELAY_SECONDS = 3;
    private static final int AUTH_MAX_FAILURES = 3;
    /** The site limit held by both nodes together, and how many messages show it (12 through each node). */
    private static final int RATE_PER_MINUTE = 120;

    private static final int RATE_MESSAGES = 24;
    private static final int LOAD_MESSAGES = 40;
    /** The max_connections of site conn held by both nodes together, and the messages each node sends there. */
    private static final int CONNECTIONS = 2;

    private static final int CONNECTION_MESSAGES_PER_NODE = 3;

    /** One node of the fleet: its distribution and ports. */
    private record Member(String name, Distribution karavel, int mx, int submission, int admin) {
        AdminHttp api() {
            return new AdminHttp(admin);
        }
    }

    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static RedisServer redis;
    private static Member a;
    private static Member b;
    private static final ConcurrentLinkedQueue<Long> rateArrivals = new ConcurrentLinkedQueue<>();
    /** Site conn's transactions wait at their end of data until the test opens this. */
    private static final CountDownLatch connGate = new CountDownLatch(1);

    private static final AtomicInteger connInData = new AtomicInteger();
    private static final AtomicInteger connMostInData = new AtomicInteger();

    @BeforeClass
    public static void boot() throws Exception {
        dns = LoopbackDnsServer.start();
        for (String domain : List.of("rate.test", "load.test", "remote.test", "conn.test", "react.test")) {
            dns.add(domain, Type.MX, "10 mx." + domain + ".", 60);
            dns.add("mx." + domain, Type.A, "127.0.0.1", 60);
        }
        sink = SmtpSink.start(InetAddress.getByName("127.0.0.1"));
        sink.onData(m -> {
            if (m.recipients().stream().anyMatch(r -> r.endsWith("@rate.test"))) {
                rateArrivals.add(System.nanoTime());
            }
            if (m.recipients().stream().anyMatch(r -> r.endsWith("@conn.test"))) {
                connMostInData.accumulateAndGet(connInData.incrementAndGet(), Math::max);
                try {
                    connGate.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    connInData.decrementAndGet();
                }
            }
            if (m.recipients().stream().anyMatch(r -> r.endsWith("@react.test"))) {
                // matches the shipped catch-all reaction "* rate 30/min 30min text rate.?limit"
                return "451 4.7.1 Sending rate limited, try later";
            }
            return "250 2.0.0 Ok";
        });
        redis = RedisServer.start(Path.of("target/fleet-redis").toAbsolutePath());
        a = member("a");
        b = member("b");
        // both boot at once: two JVMs on the machine's cores
        a.karavel().start();
        b.karavel().start();
        // two first boots at once on a shared 2-core machine take longer than one
        Poll.until(
                "node a's SMTP listener",
                BOOT,
                () -> Distribution.greets(a.mx()),
                () -> a.karavel().logTail(5));
        Poll.until(
                "node b's SMTP listener",
                BOOT,
                () -> Distribution.greets(b.mx()),
                () -> b.karavel().logTail(5));
        for (Member m : List.of(a, b)) {
            Poll.until(
                    m.name() + " to see both nodes in the fleet",
                    BOOT,
                    () -> liveNodes(m) == 2,
                    () -> m.karavel().logTail(20));
        }
    }

    private static Member member(String name) throws Exception {
        Distribution d = Distribution.unpack("fleet-" + name);
        int mx = KaravelContainer.freePort();
        d.listenersOnLoopback(mx);
        // strangers' connections are counted in the fleet (the application, a relay host, is exempt)
        d.configure(
                "org.karavel.smtp.listener-mx.cfg",
                Map.of("hostname", "mx-" + name + ".fleet.test", "max_connection_rate_per_ip", "1000"));
        String submissionFile = "org.karavel.smtp.listener-submission.cfg";
        d.configure(submissionFile, Map.of("auth_max_failures", Integer.toString(AUTH_MAX_FAILURES)));
        int submission = Integer.parseInt(d.setting(submissionFile, "port"));
        d.configure("org.karavel.relay.cfg", Map.of("relay_hosts", "127.0.0.1/32"));
        d.configure("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        d.configure(
                "org.karavel.delivery.cfg",
                Map.of(
                        "remote_port",
                        Integer.toString(sink.port()),
                        "min_backoff_seconds",
                        "1",
                        "max_backoff_seconds",
                        "2"));
        d.configure("org.karavel.admin.cfg", Map.of("trusted_hosts", "127.0.0.1/32", "tls", "false"));
        // greylisting with a short delay; only the application (127.0.0.1) passes without it
        d.configure(
                "org.karavel.greylist.cfg",
                Map.of("delay_seconds", Integer.toString(GREYLIST_DELAY_SECONDS), "pass_clients", "127.0.0.1/32"));
        d.configure(
                "org.karavel.shaping-rate.cfg",
                Map.of(
                        "domains",
                        "rate.test",
                        "max_connections",
                        "2",
                        "max_message_rate",
                        RATE_PER_MINUTE + "/min",
                        "burst",
                        "1"));
        d.configure(
                "org.karavel.shaping-conn.cfg",
                Map.of("domains", "conn.test", "max_connections", Integer.toString(CONNECTIONS), "idle_timeout", "1s"));
        d.configure(
                "org.karavel.redis.cfg",
                Map.of(
                        "uri",
                        redis.uri(),
                        "node_name",
                        "node-" + name + ".fleet.test",
                        "heartbeat_seconds",
                        "1",
                        "node_timeout_seconds",
                        "5"));
        return new Member("node-" + name + ".fleet.test", d, mx, submission, d.adminPort());
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(a == null ? null : a.karavel(), b == null ? null : b.karavel(), redis, sink, dns);
    }

    // ------------------------------------------------------------------ the tests

    @Test
    public void a_aTripletGreylistedThroughAPassesThroughBAfterTheDelay() throws Exception {
        String first = rcpt(a, "127.0.0.2", "someone@outside.test", "grey@localhost");
        assertTrue(first, first.startsWith("450 4.2.0"));
        long seen = System.nanoTime();
        String early = rcpt(b, "127.0.0.2", "someone@outside.test", "grey@localhost");
        assertTrue("B knows the triplet A saw: " + early, early.startsWith("450 4.2.0"));
        // B has never let this triplet pass; only the shared first sighting lets it through at once
        Poll.until(
                "the greylist delay since A saw the triplet",
                WAIT,
                () -> System.nanoTime() - seen
                        > Duration.ofSeconds(GREYLIST_DELAY_SECONDS + 1).toNanos());
        String retried = send(
                b,
                "127.0.0.2",
                "someone@outside.test",
                "grey@localhost",
                "From: <someone@outside.test>\r\nSubject: retried\r\n\r\nhello\r\n");
        assertTrue("the first try through B after the delay: " + retried, retried.startsWith("250 2.0.0"));
    }

    @Test
    public void b_authFailuresThroughBothNodesAddUpToOneThrottle() throws Exception {
        assertTrue(authPlain(a, "wrong-1").startsWith("535 5.7.8"));
        assertTrue(authPlain(a, "wrong-2").startsWith("535 5.7.8"));
        assertTrue(authPlain(b, "wrong-3").startsWith("535 5.7.8"));
        // the fourth in the fleet: B has seen one failure itself
        String fourth = authPlain(b, "wrong-4");
        assertTrue(fourth, fourth.startsWith("421 4.7.0") && fourth.contains("Too many failed authentications"));
        String onA = authPlain(a, "wrong-5");
        assertTrue(onA, onA.startsWith("421 4.7.0"));
        assertEquals(0.0, MetricsText.read(b.admin(), "karavel_smtp_shared_counts_degraded"), 0.0);
    }

    @Test
    public void c_aSiteLimitHoldsAcrossBothNodes() throws Exception {
        rateArrivals.clear();
        List<String> via = new ArrayList<>();
        for (int i = 0; i < RATE_MESSAGES; i++) {
            Member m = i % 2 == 0 ? a : b;
            String r = send(
                    m,
                    "127.0.0.1",
                    "app@localhost",
                    "r" + i + "@rate.test",
                    "From: <app@localhost>\r\nSubject: rate " + i + "\r\n\r\nHello.\r\n");
            assertTrue(r, r.startsWith("250 2.0.0"));
            via.add(m.name());
        }
        Poll.until(
                RATE_MESSAGES + " messages at the sink",
                Duration.ofSeconds(RATE_MESSAGES * 60L / RATE_PER_MINUTE + 60),
                () -> rateArrivals.size() == RATE_MESSAGES,
                () -> rateArrivals.size() + " arrived");
        List<Long> t = new ArrayList<>(rateArrivals);
        t.sort(Long::compare);
        List<Long> ms = t.stream().map(x -> (x - t.get(0)) / 1_000_000).toList();
        double seconds = (t.get(t.size() - 1) - t.get(0)) / 1e9;
        double perMinute = (t.size() - 1) / seconds * 60;
        System.out.printf(
                "FleetIT: %d messages to one site (limit %d/min for the fleet), half through each node:"
                        + " arrivals (ms after the first) %s; %.1f s, %.0f/min%n",
                t.size(), RATE_PER_MINUTE, ms, seconds, perMinute);
        // two nodes each on its own budget would reach twice the limit; one budget holds it (plus a burst)
        assertTrue("the fleet sent " + perMinute + "/min", perMinute <= RATE_PER_MINUTE * 1.25);
        assertTrue("far below the limit: " + perMinute + "/min", perMinute >= RATE_PER_MINUTE * 0.6);
    }

    @Test
    public void cc_aSitesMaxConnectionsHoldsAcrossBothNodes() throws Exception {
        for (int i = 0; i < CONNECTION_MESSAGES_PER_NODE * 2; i++) {
            Member m = i % 2 == 0 ? a : b;
            String r = send(
                    m,
                    "127.0.0.1",
                    "app@localhost",
                    "c" + i + "@conn.test",
                    "From: <app@localhost>\r\nSubject: conn " + i + "\r\n\r\nHello.\r\n");
            assertTrue(r, r.startsWith("250 2.0.0"));
        }
        // each node alone would open 2: the transactions wait at the sink until the nodes have pressed on the limit
        Poll.until(
                CONNECTIONS + " transactions at the sink and a slot refused by the fleet",
                WAIT,
                () -> connInData.get() == CONNECTIONS
                        && total(a, "karavel_redis_connection_slots_refused_total")
                                        + total(b, "karavel_redis_connection_slots_refused_total")
                                > 0,
                () -> connInData.get() + " in data; refused " + total(a, "karavel_redis_connection_slots_refused_total")
                        + " + " + total(b, "karavel_redis_connection_slots_refused_total"));
        assertEquals(Integer.toString(CONNECTIONS), redis.command("ZCARD", "karavel:slots:site:conn"));
        connGate.countDown();
        Poll.until(
                "every message to site conn at the sink",
                WAIT,
                () -> delivered("@conn.test") == CONNECTION_MESSAGES_PER_NODE * 2L,
                () -> delivered("@conn.test") + " delivered");
        System.out.printf(
                "FleetIT: site conn (max_connections %d for the fleet): at most %d transactions at once at the sink%n",
                CONNECTIONS, connMostInData.get());
        assertEquals(CONNECTIONS, connMostInData.get());
    }

    @Test
    public void cd_aReactionToAReplySeenByAHoldsOnB() throws Exception {
        String r = send(
                a,
                "127.0.0.1",
                "app@localhost",
                "x@react.test",
                "From: <app@localhost>\r\nSubject: react\r\n\r\nHello.\r\n");
        assertTrue(r, r.startsWith("250 2.0.0"));
        // B never sent to the site; it applies A's reaction from the shared store
        Poll.until(
                "B to list the rate reaction A started on site react.test",
                WAIT,
                () -> shaping(b).contains("\"site\":\"react.test\",\"action\":\"rate\""),
                () -> shaping(b));
        JsonNode actions = json(b.api().get("/api/v1/shaping")).get("actions");
        JsonNode onB = null;
        for (JsonNode x : actions) {
            if (x.get("site").asText().equals("react.test")) {
                onB = x;
            }
        }
        assertEquals(actions.toString(), "30/min", onB.get("rate").asText());
        assertTrue(onB.toString(), onB.get("reply").asText().contains("rate limited"));
        String limits = KarafClient.run(b.karavel().home(), "mta:shaping").output();
        assertTrue(limits, limits.lines().anyMatch(l -> l.startsWith("react.test") && l.contains("30/min")));
    }

    @Test
    public void d_aSuppressionMadeOnARefusesOnB() throws Exception {
        AdminHttp.Response added =
                a.api().post("/api/v1/suppression", "{\"address\":\"gone@remote.test\",\"reason\":\"fleet test\"}");
        assertEquals(added.body(), 200, added.status());
        Poll.until(
                "B to refuse the address suppressed on A",
                WAIT,
                () -> rcpt(b, "127.0.0.1", "app@localhost", "gone@remote.test").startsWith("550 5.1.1"));
        String refused = rcpt(b, "127.0.0.1", "app@localhost", "gone@remote.test");
        assertTrue(refused, refused.contains("suppressed"));
    }

    @Test
    public void e_mtaNodesOnAListsB() throws Exception {
        KarafClient.Result shell = KarafClient.run(a.karavel().home(), "mta:nodes");
        assertTrue(shell.output(), shell.ok());
        assertTrue(shell.output(), shell.output().contains(b.name()));
        assertTrue(shell.output(), shell.output().contains(a.name()));
        assertTrue(shell.output(), shell.output().contains("the shared store answers"));
        JsonNode nodes = json(b.api().get("/api/v1/nodes")).get("nodes");
        List<String> names = new ArrayList<>();
        nodes.forEach(n -> names.add(n.get("name").asText()));
        assertEquals(List.of(a.name(), b.name()), names);
        for (JsonNode n : nodes) {
            assertTrue(n.toString(), !n.get("gone").asBoolean() && n.has("queue_size") && n.has("version"));
        }
    }

    @Test
    public void f_redisKilledInTheMiddleOfALoadLosesAndRefusesNothing() throws Exception {
        int before = sink.messages().size();
        for (int i = 0; i < LOAD_MESSAGES; i++) {
            if (i == LOAD_MESSAGES / 4) {
                redis.kill();
            }
            Member m = i % 2 == 0 ? a : b;
            String r = send(
                    m,
                    "127.0.0.1",
                    "app@localhost",
                    "l" + i + "@load.test",
                    "From: <app@localhost>\r\nSubject: load " + i + "\r\n\r\nHello.\r\n");
            assertTrue("message " + i + " through " + m.name() + " with Redis down: " + r, r.startsWith("250 2.0.0"));
        }
        // a stranger is still served, greylisting failing open (a new triplet passes)
        String stranger = rcpt(b, "127.0.0.2", "new@outside.test", "open@localhost");
        assertTrue(stranger, stranger.startsWith("250"));
        for (Member m : List.of(a, b)) {
            Poll.until(
                    m.name() + " to show the degraded mode",
                    WAIT,
                    () -> MetricsText.read(m.admin(), "karavel_redis_up") == 0
                            && total(m, "karavel_redis_degraded_total") > 0,
                    () -> MetricsText.look(m.admin(), "karavel_redis_up").seen() + "; "
                            + MetricsText.look(m.admin(), "karavel_redis_degraded_total")
                                    .seen());
        }
        // the stranger's connection was counted on B alone (max_connection_rate_per_ip): one warning, a gauge
        assertEquals(1.0, MetricsText.read(b.admin(), "karavel_smtp_shared_counts_degraded"), 0.0);
        assertTrue(b.karavel().log().contains("shared counts unavailable"));
        Poll.until(
                "every message of the load at the sink",
                WAIT,
                () -> loadDelivered() == LOAD_MESSAGES,
                () -> loadDelivered() + " delivered");
        assertTrue(sink.messages().size() >= before + LOAD_MESSAGES);

        redis.restart();
        for (Member m : List.of(a, b)) {
            Poll.until(
                    m.name() + " back on the shared store",
                    WAIT,
                    () -> MetricsText.read(m.admin(), "karavel_redis_up") == 1 && liveNodes(m) == 2);
        }
        // a stranger's new triplet is greylisted again (the shared greylist decides, no longer fails open)
        // and its connection counted in the fleet again: the throttles leave the degraded mode
        String back = rcpt(b, "127.0.0.2", "back@outside.test", "open@localhost");
        assertTrue(back, back.startsWith("450 4.2.0"));
        assertEquals(0.0, MetricsText.read(b.admin(), "karavel_smtp_shared_counts_degraded"), 0.0);
        // shared again: a suppression made on B (into the restarted, empty Redis) refuses on A
        AdminHttp.Response added =
                b.api().post("/api/v1/suppression", "{\"address\":\"after@remote.test\",\"reason\":\"fleet test\"}");
        assertEquals(added.body(), 200, added.status());
        Poll.until(
                "A to refuse the address suppressed on B after the restart",
                WAIT,
                () -> rcpt(a, "127.0.0.1", "app@localhost", "after@remote.test").startsWith("550 5.1.1"));
    }

    // ------------------------------------------------------------------ helpers

    private static long loadDelivered() {
        return delivered("@load.test");
    }

    /** Distinct recipients at the sink whose address ends so. */
    private static String shaping(Member m) {
        try {
            return m.api().get("/api/v1/shaping").body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long delivered(String suffix) {
        return sink.messages().stream()
                .flatMap(m -> m.recipients().stream())
                .filter(r -> r.endsWith(suffix))
                .distinct()
                .count();
    }

    /** The sum of every sample of a metric family on a node; -1 while /metrics cannot be read. */
    private static double total(Member m, String family) {
        try {
            AdminHttp.Response r = m.api().get("/metrics");
            MetricsText.Family f =
                    r.status() == 200 ? MetricsText.parse(r.body()).get(family) : null;
            return f == null
                    ? -1
                    : f.samples().stream()
                            .mapToDouble(MetricsText.Sample::value)
                            .sum();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static int liveNodes(Member m) {
        try {
            AdminHttp.Response r = m.api().get("/api/v1/nodes");
            if (r.status() != 200) {
                return 0;
            }
            JsonNode body = json(r);
            return body.get("shared_store").asBoolean() ? body.get("live_nodes").asInt() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static JsonNode json(AdminHttp.Response r) throws IOException {
        assertEquals(r.body(), 200, r.status());
        return new ObjectMapper().readTree(r.body());
    }

    /** MAIL and RCPT on a node's MX listener from a chosen loopback address: the RCPT reply. */
    private static String rcpt(Member m, String from, String sender, String recipient) {
        try (SmtpClient c = new SmtpClient("127.0.0.1", m.mx(), new InetSocketAddress(from, 0))) {
            c.readReply();
            c.command("EHLO client.fleet.test");
            c.command("MAIL FROM:<" + sender + ">");
            String reply = c.command("RCPT TO:<" + recipient + ">");
            c.command("QUIT");
            return reply;
        } catch (IOException e) {
            return "I/O error: " + e;
        }
    }

    /** A whole message on a node's MX listener: the reply to the end of data (or the refusal). */
    private static String send(Member m, String from, String sender, String recipient, String content) {
        try (SmtpClient c = new SmtpClient("127.0.0.1", m.mx(), new InetSocketAddress(from, 0))) {
            c.readReply();
            c.command("EHLO client.fleet.test");
            String reply = c.sendMail(sender, List.of(recipient), content);
            c.command("QUIT");
            return reply;
        } catch (IOException e) {
            return "I/O error: " + e;
        }
    }

    /** A stranger (127.0.0.2) on a node's submission listener: STARTTLS, then AUTH PLAIN; the AUTH reply. */
    private static String authPlain(Member m, String password) throws IOException {
        try (SmtpClient c = new SmtpClient("127.0.0.1", m.submission(), new InetSocketAddress("127.0.0.2", 0))) {
            c.readReply();
            c.command("EHLO client.fleet.test");
            String tls = c.command("STARTTLS");
            assertTrue(tls, tls.startsWith("220"));
            c.startTls(TrustAll.socketFactory());
            c.command("EHLO client.fleet.test");
            return c.command("AUTH PLAIN "
                    + Base64.getEncoder()
                            .encodeToString(("\0guesser@localhost\0" + password).getBytes(StandardCharsets.UTF_8)));
        }
    }
}
