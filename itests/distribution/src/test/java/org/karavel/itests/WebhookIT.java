package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * Event webhooks on the real distribution: an HTTP receiver on 127.0.0.1 that answers 503 for a
 * while, then 200; mail delivered to a sink and some bounced; Karavel SIGKILLed in the middle and
 * started again. Every message's received and delivered/bounced event arrives (duplicates allowed,
 * counted), every request carries a valid HMAC signature, and the JSON event log has the lines.
 */
public class WebhookIT {
    private static final String KEY = "3f1c0a9e8b7d6c5b4a3928171615141312111009";
    private static final Pattern QUEUED = Pattern.compile("queued as ([0-9A-Za-z]+)");

    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static HttpServer receiver;
    private static Distribution karavel;
    private static int smtpPort;

    private static final AtomicBoolean accepting = new AtomicBoolean(false);
    private static final AtomicInteger requests = new AtomicInteger();
    private static final AtomicInteger refused = new AtomicInteger();
    private static final AtomicInteger badSignatures = new AtomicInteger();
    private static final AtomicInteger duplicates = new AtomicInteger();
    /** Every event the receiver accepted, by id. */
    private static final Map<String, JsonNode> events = new ConcurrentHashMap<>();

    @BeforeClass
    public static void boot() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.add("remote.test", Type.MX, "10 mx.remote.test.", 60);
        dns.add("mx.remote.test", Type.A, "127.0.0.1", 60);
        sink = SmtpSink.start();
        sink.onRcpt(r -> r.startsWith("bad") ? "550 5.1.1 No such user" : "250 2.1.5 Ok");
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", WebhookIT::receive);
        receiver.start();

        karavel = Distribution.unpack("webhook");
        smtpPort = KaravelContainer.freePort();
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
        brokenWebhook();
        // small files, so that the test sees the JSON event log roll (64 MB as shipped)
        karavel.configure("org.ops4j.pax.logging.cfg", Map.of("log4j2.appender.events.policies.size.size", "4KB"));
        Path key = karavel.home().resolve("etc/webhook-app.key");
        Files.writeString(key, KEY + "\n");
        karavel.configure(
                "org.karavel.events.webhook-app.cfg",
                Map.of(
                        "url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
                        "secret_file", key.toString(),
                        "batch_size", "7",
                        "batch_age_millis", "200",
                        "min_backoff_millis", "200",
                        "max_backoff_seconds", "1"));
    }

    /** A webhook that cannot work is an ERROR naming its file and key; the good one goes on. */
    private static void brokenWebhook() throws IOException {
        karavel.configure(
                "org.karavel.events.webhook-broken.cfg",
                Map.of(
                        "url",
                        "http://192.0.2.1/hook",
                        "secret_file",
                        karavel.home().resolve("etc/webhook-app.key").toString()));
    }

    @AfterClass
    public static void stop() throws Exception {
        if (receiver != null) {
            receiver.stop(0);
        }
        Distribution.closeAll(karavel, sink, dns);
    }

    @Test
    public void everyEventArrivesSignedAcrossSigkill() throws Exception {
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
        Map<String, String> expected = new ConcurrentHashMap<>(); // "queueId type" -> recipient
        send(0, 10, expected);
        // killed in the middle: the endpoint refusing, some outcomes logged, deliveries maybe under way
        Poll.until("the endpoint asked and refusing", Distribution.bootTimeout(), () -> refused.get() > 0);
        Poll.until("some outcomes in the mail log", Distribution.bootTimeout(), () -> outcomesLogged(expected) >= 3);
        karavel.kill();

        karavel.start();
        Distribution.awaitSmtp(smtpPort);
        send(10, 20, expected);
        int before = refused.get();
        Poll.until(
                "the endpoint refused again after the restart",
                Distribution.bootTimeout(),
                () -> refused.get() > before);
        accepting.set(true);

        Poll.until(
                "every expected event at the receiver (" + expected.size() + ")",
                Distribution.bootTimeout(),
                () -> missing(expected).isEmpty());
        assertEquals("events missing", Set.of(), missing(expected));
        assertEquals("requests with a bad signature", 0, badSignatures.get());
        assertTrue(
                "the broken webhook's file and key in an ERROR",
                karavel.log()
                        .lines()
                        .anyMatch(l ->
                                l.contains("ERROR") && l.contains("org.karavel.events.webhook-broken.cfg: url: ")));
        System.out.printf(
                "WebhookIT: %d requests (%d refused with 503), %d events received, %d duplicates, %d expected%n",
                requests.get(), refused.get(), events.size(), duplicates.get(), expected.size());

        Path jsonLog = karavel.data().resolve("log/events.json");
        Poll.until(
                "every expected event in " + jsonLog,
                Distribution.bootTimeout(),
                () -> jsonLogged(jsonLog).containsAll(expected.keySet()));
        assertTrue("the JSON event log rolled", Files.exists(Path.of(jsonLog + ".1")));

        int admin = karavel.adminPort();
        Map<String, String> app = Map.of("endpoint", "app");
        assertTrue(
                "sent in the metrics",
                MetricsText.read(admin, "karavel_events_sent_total", app) >= expected.size() / 2.0);
        assertTrue(
                "the 503s in the metrics",
                MetricsText.read(
                                admin, "karavel_events_failures_total", Map.of("endpoint", "app", "reason", "http_5xx"))
                        > 0);
        Poll.until(
                "no backlog left in the metrics",
                Distribution.bootTimeout(),
                () -> MetricsText.read(admin, "karavel_events_backlog", app) == 0);
        List<JsonNode> strayBounces = events.values().stream()
                .filter(e -> e.get("type").asText().equals("bounced"))
                .filter(e -> !(e.get("recipients").get(0).asText().startsWith("bad")
                        && e.get("category").asText().equals("invalid_recipient")))
                .toList();
        assertEquals("bounced events that do not name a refused recipient", List.of(), strayBounces);
    }

    /** Messages i..end-1: one recipient each, every fourth one refused by the next hop (bounced). */
    private static void send(int from, int end, Map<String, String> expected) throws IOException {
        for (int i = from; i < end; i++) {
            String rcpt = (i % 4 == 3 ? "bad" : "ok") + i + "@remote.test";
            try (SmtpClient c = SmtpClient.connect(smtpPort)) {
                c.readReply();
                c.command("EHLO client.test");
                String reply = c.sendMail("app@localhost", List.of(rcpt), "Subject: event " + i + "\r\n\r\nBody.\r\n");
                Matcher m = QUEUED.matcher(reply);
                assertTrue(reply, reply.startsWith("250 2.0.0") && m.find());
                expected.put(m.group(1) + " received", rcpt);
                expected.put(m.group(1) + (rcpt.startsWith("bad") ? " bounced" : " delivered"), rcpt);
            }
        }
    }

    /** "queueId type" of every line of the JSON event log, its rolled files included. */
    private static Set<String> jsonLogged(Path jsonLog) {
        Set<String> logged = new HashSet<>();
        for (int i = 0; i <= 10; i++) {
            Path file = i == 0 ? jsonLog : Path.of(jsonLog + "." + i);
            try {
                for (String line : Files.readAllLines(file)) {
                    JsonNode e = new ObjectMapper().readTree(line);
                    logged.add(e.get("queue_id").asText() + " " + e.get("type").asText());
                }
            } catch (IOException e) {
                // not written (or not rolled) yet
            }
        }
        return logged;
    }

    private static long outcomesLogged(Map<String, String> expected) {
        String log = karavel.mailLog();
        return expected.keySet().stream()
                .filter(k -> !k.endsWith(" received"))
                .filter(k ->
                        log.contains(k.substring(0, k.indexOf(' ')) + ": " + k.substring(k.indexOf(' ') + 1) + " to=<"))
                .count();
    }

    private static Set<String> missing(Map<String, String> expected) {
        Set<String> got = new HashSet<>();
        for (JsonNode e : new ArrayList<>(events.values())) {
            got.add(e.get("queue_id").asText() + " " + e.get("type").asText());
        }
        Set<String> missing = new HashSet<>(expected.keySet());
        missing.removeAll(got);
        return missing;
    }

    private static void receive(HttpExchange x) throws IOException {
        byte[] body = x.getRequestBody().readAllBytes();
        requests.incrementAndGet();
        String signature = x.getRequestHeaders().getFirst("X-Karavel-Signature");
        if (!validSignature(signature, body)) {
            badSignatures.incrementAndGet();
            answer(x, 401, "bad signature");
            return;
        }
        if (!accepting.get()) {
            refused.incrementAndGet();
            answer(x, 503, "not yet");
            return;
        }
        for (JsonNode e : new ObjectMapper().readTree(body)) {
            if (events.putIfAbsent(e.get("id").asText(), e) != null) {
                duplicates.incrementAndGet();
            }
        }
        answer(x, 200, "ok");
    }

    /** {@code t=<unix>,v1=<hex HMAC-SHA256 of "t.body">}, compared in constant time. */
    private static boolean validSignature(String header, byte[] body) {
        if (header == null) {
            return false;
        }
        Matcher m = Pattern.compile("t=(\\d+),v1=([0-9a-f]{64})").matcher(header);
        if (!m.matches()) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((m.group(1) + ".").getBytes(StandardCharsets.US_ASCII));
            byte[] want = mac.doFinal(body);
            return MessageDigest.isEqual(want, HexFormat.of().parseHex(m.group(2)));
        } catch (Exception e) {
            return false;
        }
    }

    private static void answer(HttpExchange x, int status, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }
}
