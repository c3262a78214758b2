package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.codec.digest.Crypt;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * The admin HTTP API and the mta: shell commands (through {@code bin/client}, as an operator's
 * script runs them) on the running distribution. Only 127.0.0.1 is a trusted host, so a client
 * bound to 127.0.0.2 is an outside one. Mail for remote.test goes to a sink on loopback that answers
 * 451 to every recipient, so it stays queued for flush, bounce and delete.
 */
public class AdminIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String ADMIN = "admin@localhost";
    private static final String ADMIN_PASSWORD = "correct horse battery staple";
    private static final String PLAIN_USER = "user@localhost";
    private static final Pattern ATTEMPTS = Pattern.compile("\"attempts\"\\s*:\\s*(\\d+)");
    private static Distribution karavel;
    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static int smtpPort;
    private static int adminPort;

    @BeforeClass
    public static void boot() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.add("remote.test", Type.MX, "10 mx.remote.test.", 60);
        dns.add("mx.remote.test", Type.A, "127.0.0.1", 60);
        sink = SmtpSink.start();
        sink.onRcpt(r -> "451 4.3.0 Try again later");
        karavel = Distribution.unpack("admin");
        adminPort = karavel.adminPort();
        karavel.configure(
                "org.karavel.admin.cfg", Map.of("trusted_hosts", "127.0.0.1/32", "admin_users", ADMIN, "tls", "false"));
        // SHA512-CRYPT, the auth bundle's default scheme, as mta:user-add would write it
        Files.writeString(
                karavel.home().resolve("etc/karavel.passwd"),
                ADMIN + ":{SHA512-CRYPT}" + Crypt.crypt(ADMIN_PASSWORD, "$6$adminitsalt") + "\n" + PLAIN_USER
                        + ":{SHA512-CRYPT}" + Crypt.crypt(ADMIN_PASSWORD, "$6$useritsalt") + "\n");
        smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        // the first attempt fails at once; the next would be 5 minutes later, so only a flush retries
        karavel.configure(
                "org.karavel.delivery.cfg",
                Map.of(
                        "remote_port",
                        Integer.toString(sink.port()),
                        "min_backoff_seconds",
                        "300",
                        "max_backoff_seconds",
                        "3600"));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
        Poll.until("the admin API to be ready", WAIT, () -> status(new AdminHttp(adminPort), "/health") == 200);
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, sink, dns);
    }

    @Test
    public void loopbackIsTrustedAndAnOutsideClientNeedsAdminCredentialsOverHttps() throws Exception {
        AdminHttp.Response trusted = new AdminHttp(adminPort).get("/api/v1/queue/summary");
        assertEquals(trusted.body(), 200, trusted.status());
        assertTrue(trusted.body(), trusted.body().contains("\"domains\""));

        AdminHttp.Response anonymous =
                new AdminHttp(adminPort).from("127.0.0.2").get("/api/v1/queue/summary");
        assertEquals(anonymous.body(), 403, anonymous.status());
        assertTrue(anonymous.body(), anonymous.body().contains("https_required"));
        // the right password over plain HTTP is refused all the same: it crossed the network in clear
        AdminHttp.Response clear = new AdminHttp(adminPort)
                .from("127.0.0.2")
                .basic(ADMIN, ADMIN_PASSWORD)
                .get("/api/v1/queue/summary");
        assertEquals(clear.body(), 403, clear.status());
        assertTrue(clear.body(), clear.body().contains("https_required"));
        assertFalse(clear.body(), clear.body().contains("\"domains\""));

        karavel.configure("org.karavel.admin.cfg", Map.of("tls", "true"));
        try {
            Poll.until(
                    "the admin API to speak HTTPS",
                    WAIT,
                    () -> status(new AdminHttp(adminPort).tls(true), "/health") == 200);
            AdminHttp outside = new AdminHttp(adminPort).from("127.0.0.2").tls(true);
            AdminHttp.Response noCredentials = outside.get("/api/v1/queue/summary");
            assertEquals(noCredentials.body(), 401, noCredentials.status());
            assertTrue(
                    String.valueOf(noCredentials.header("WWW-Authenticate")),
                    noCredentials.header("WWW-Authenticate").startsWith("Basic realm=\"karavel\""));
            AdminHttp.Response wrong = outside.basic(ADMIN, "not the password").get("/api/v1/queue/summary");
            assertEquals(wrong.body(), 401, wrong.status());
            AdminHttp.Response notAdmin = new AdminHttp(adminPort)
                    .from("127.0.0.2")
                    .tls(true)
                    .basic(PLAIN_USER, ADMIN_PASSWORD)
                    .get("/api/v1/queue/summary");
            assertEquals(notAdmin.body(), 403, notAdmin.status());
            assertTrue(notAdmin.body(), notAdmin.body().contains("forbidden"));
            AdminHttp.Response admin = new AdminHttp(adminPort)
                    .from("127.0.0.2")
                    .tls(true)
                    .basic(ADMIN, ADMIN_PASSWORD)
                    .get("/api/v1/queue/summary");
            assertEquals(admin.body(), 200, admin.status());
            assertTrue(admin.body(), admin.body().contains("\"domains\""));
        } finally {
            // the other tests speak plain HTTP from the trusted address
            karavel.configure("org.karavel.admin.cfg", Map.of("tls", "false"));
            Poll.until(
                    "the admin API back on plain HTTP", WAIT, () -> status(new AdminHttp(adminPort), "/health") == 200);
        }
    }

    @Test
    public void aWebPageCannotDriveTheApiButAPlainClientOnLoopbackCan() throws Exception {
        // DNS rebinding: the browser connects to 127.0.0.1 but names the attacker's host
        AdminHttp.Response rebound =
                new AdminHttp(adminPort).host("attacker.example:" + adminPort).get("/api/v1/queue/summary");
        assertEquals(rebound.body(), 403, rebound.status());
        assertTrue(rebound.body(), rebound.body().contains("\"host_not_allowed\""));
        assertFalse(rebound.body(), rebound.body().contains("\"domains\""));
        // a cross-site form post: Origin of another site, a content type a form can send
        AdminHttp.Response crossSite = new AdminHttp(adminPort)
                .header("Origin", "http://attacker.example")
                .post("/api/v1/queue/flush", null);
        assertEquals(crossSite.body(), 403, crossSite.status());
        assertTrue(crossSite.body(), crossSite.body().contains("\"cross_site_request\""));
        AdminHttp.Response fetchSite =
                new AdminHttp(adminPort).header("Sec-Fetch-Site", "cross-site").post("/api/v1/queue/flush", null);
        assertEquals(fetchSite.body(), 403, fetchSite.status());
        AdminHttp.Response textPlain =
                new AdminHttp(adminPort).contentType("text/plain").post("/api/v1/queue/flush", "{}");
        assertEquals(textPlain.body(), 415, textPlain.status());
        assertTrue(textPlain.body(), textPlain.body().contains("\"unsupported_media_type\""));
        for (AdminHttp.Response r : List.of(rebound, crossSite, fetchSite, textPlain)) {
            assertTrue(r.header("Content-Type"), r.header("Content-Type").startsWith("application/json"));
            assertTrue(
                    r.headers().toString(),
                    r.headers().keySet().stream().noneMatch(h -> h.startsWith("access-control-")));
        }
        assertTrue(karavel.log(), karavel.log().contains("POST /api/v1/queue/flush from [127.0.0.1] -> 415"));

        // the same flush from a plain HTTP client (the JDK's, as curl would send it) is served
        HttpResponse<String> plain = plainPost("/api/v1/queue/flush", null);
        assertEquals(plain.body(), 200, plain.statusCode());
        assertTrue(plain.body(), plain.body().contains("\"flushed\""));
    }

    @Test
    public void withTokenFileAStateChangeFromLoopbackNeedsTheTokenFromTheFile() throws Exception {
        Path token = karavel.data().resolve("admin.token");
        karavel.configure("org.karavel.admin.cfg", Map.of("token_file", "${karaf.data}/admin.token"));
        try {
            Poll.until("the token file " + token, WAIT, () -> Files.exists(token));
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(token)));
            String secret = Files.readString(token).strip();
            Poll.until("the admin API to ask for the token", WAIT, () -> postStatus("/api/v1/queue/flush") == 401);
            HttpResponse<String> without = plainPost("/api/v1/queue/flush", null);
            assertTrue(without.body(), without.body().contains("\"token_required\""));
            assertEquals(401, plainPost("/api/v1/queue/flush", "not-" + secret).statusCode());
            HttpResponse<String> with = plainPost("/api/v1/queue/flush", secret);
            assertEquals(with.body(), 200, with.statusCode());
            assertEquals(
                    "reading needs no token",
                    200,
                    new AdminHttp(adminPort).get("/api/v1/queue/summary").status());
            assertFalse("the token is never logged", karavel.log().contains(secret));
        } finally {
            karavel.configure("org.karavel.admin.cfg", Map.of("token_file", ""));
            Poll.until("the admin API without a token", WAIT, () -> postStatus("/api/v1/queue/flush") == 200);
        }
    }

    /** The status of a plain POST without a token, -1 while the listener restarts. */
    private static int postStatus(String path) {
        try {
            return plainPost(path, null).statusCode();
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    /** A POST with Content-Type: application/json from the JDK's HttpClient (it sets Host itself), with a bearer token if given. */
    private static HttpResponse<String> plainPost(String path, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody());
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        try {
            return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    public void flushBounceAndDeleteThroughTheApi() throws Exception {
        AdminHttp api = new AdminHttp(adminPort);
        String flushed = queueForRemote("alice@localhost", "flush me");
        String bounced = queueForRemote("alice@localhost", "bounce me");
        String deleted = queueForRemote("alice@localhost", "delete me");
        for (String id : List.of(flushed, bounced, deleted)) {
            Poll.until("the first attempt of " + id, WAIT, () -> attempts(id) >= 1);
        }
        String list = api.get("/api/v1/queue/messages?domain=remote.test").body();
        assertTrue(list, list.contains(flushed) && list.contains(bounced) && list.contains(deleted));

        int transactions = sink.transactions();
        int before = attempts(flushed);
        AdminHttp.Response flush = api.post("/api/v1/queue/messages/" + flushed + "/flush", null);
        assertTrue(flush.body(), flush.status() / 100 == 2);
        Poll.until("another attempt of " + flushed, WAIT, () -> attempts(flushed) > before);
        assertTrue("the flush did not reach the remote server", sink.transactions() > transactions);
        String detail = api.get("/api/v1/queue/messages/" + flushed).body();
        assertTrue(detail, detail.contains("451 4.3.0 Try again later"));

        Path inbox = karavel.data().resolve("mail/localhost/alice/new");
        long dsns = Maildirs.count(inbox);
        AdminHttp.Response bounce = api.post(
                "/api/v1/queue/messages/" + bounced + "/bounce", "{\"reason\":\"spam run from a hacked account\"}");
        assertTrue(bounce.body(), bounce.status() / 100 == 2);
        Poll.until("the DSN in " + inbox, WAIT, () -> Maildirs.count(inbox) == dsns + 1);
        assertTrue(anyFileContains(inbox, "spam run from a hacked account"));

        AdminHttp.Response delete = api.delete("/api/v1/queue/messages/" + deleted);
        assertTrue(delete.body(), delete.status() / 100 == 2);
        assertEquals(404, api.get("/api/v1/queue/messages/" + deleted).status());
        assertFalse(api.get("/api/v1/queue/messages?domain=remote.test").body().contains(deleted));
        // a bounce of the deleted message would be on its way by now: bounce a marker after it and wait
        // until the marker's DSN is in and nothing for alice is queued; only then count
        String marker = queueForRemote("alice@localhost", "marker after the delete");
        Poll.until("the first attempt of " + marker, WAIT, () -> attempts(marker) >= 1);
        AdminHttp.Response bounceMarker =
                api.post("/api/v1/queue/messages/" + marker + "/bounce", "{\"reason\":\"marker\"}");
        assertTrue(bounceMarker.body(), bounceMarker.status() / 100 == 2);
        Poll.until("the marker's DSN in " + inbox, WAIT, () -> {
            try {
                return anyFileContains(inbox, "marker after the delete")
                        && !api.get("/api/v1/queue/messages?domain=localhost")
                                .body()
                                .contains("alice@localhost");
            } catch (IOException e) {
                return false;
            }
        });
        assertEquals("a deleted message must not be bounced", dsns + 2, Maildirs.count(inbox));
        assertFalse("a DSN for the deleted message", anyFileContains(inbox, "Subject: delete me"));
        assertTrue(karavel.mailLog(), karavel.mailLog().contains(deleted + ": removed by=admin client=["));
    }

    @Test
    public void binClientRunsTheQueueCommandsNonInteractively() throws Exception {
        String flushed = queueForRemote("carol@localhost", "flush me from the shell");
        String bounced = queueForRemote("carol@localhost", "bounce me from the shell");
        String deleted = queueForRemote("carol@localhost", "delete me from the shell");
        for (String id : List.of(flushed, bounced, deleted)) {
            Poll.until("the first attempt of " + id, WAIT, () -> attempts(id) >= 1);
        }
        String list = client("mta:queue-list");
        assertTrue(list, list.contains(flushed) && list.contains(bounced) && list.contains(deleted));
        assertTrue(list, list.contains("carol@localhost"));
        // bin/setenv made the user bin/client logs in as: a random password, readable by the owner only
        Path users = karavel.home().resolve("etc/users.properties");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(users)));
        assertTrue(
                Files.readAllLines(users).stream().anyMatch(l -> l.matches("karavel = [0-9a-f]{48},_g_:admingroup")));

        int before = attempts(flushed);
        client("mta:queue-flush " + flushed);
        Poll.until("another attempt of " + flushed, WAIT, () -> attempts(flushed) > before);

        Path inbox = karavel.data().resolve("mail/localhost/carol/new");
        long dsns = Maildirs.count(inbox);
        client("mta:queue-bounce " + bounced + " mailbox moved by the operator");
        Poll.until("the DSN in " + inbox, WAIT, () -> Maildirs.count(inbox) == dsns + 1);
        assertTrue(anyFileContains(inbox, "mailbox moved by the operator"));

        client("mta:queue-delete " + deleted);
        Poll.until(
                deleted + " to be gone",
                WAIT,
                () -> status(new AdminHttp(adminPort), "/api/v1/queue/messages/" + deleted) == 404);
        String after = client("mta:queue-list");
        assertFalse(after, after.contains(deleted));
        assertTrue(after, after.contains(flushed));
    }

    @Test
    public void metricsAreValidPrometheusTextAndCountAReceivedMessage() throws Exception {
        AdminHttp api = new AdminHttp(adminPort);
        AdminHttp.Response first = api.get("/metrics");
        assertEquals(200, first.status());
        assertTrue(first.header("Content-Type"), first.header("Content-Type").startsWith("text/plain; version=0.0.4"));
        Map<String, MetricsText.Family> before = MetricsText.parse(first.body());
        assertEquals("counter", before.get("karavel_admin_requests_total").type());
        double received = received(before);

        try (SmtpClient c = SmtpClient.connect(smtpPort)) {
            c.readReply();
            c.command("EHLO client.test");
            String reply = c.sendMail(
                    "sender@client.test", List.of("dave@localhost"), "Subject: counted\r\n\r\nOne more.\r\n");
            assertTrue(reply, reply.startsWith("250 2.0.0"));
        }
        Map<String, MetricsText.Family> after =
                MetricsText.parse(api.get("/metrics").body());
        MetricsText.Family family = after.get("karavel_smtp_messages_received_total");
        assertNotNull("no karavel_smtp_messages_received_total family", family);
        assertEquals("counter", family.type());
        assertEquals(received + 1, received(after), 0.0);
    }

    @Test
    public void theMetricsReaderRefusesWhatPrometheusWould() {
        String ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{l=\"x\\\"y\"} 2\na_total 1.5e3\n";
        assertEquals(1502, MetricsText.parse(ok).get("a_total").sum(), 0.0);
        assertEquals(
                "x\"y",
                MetricsText.parse(ok).get("a_total").samples().get(0).labels().get("l"));
        for (String bad : List.of(
                "a_total 1\n", // no TYPE
                "# TYPE a_total counter\na_total{l=x} 1\n", // unquoted label value
                "# TYPE a_total counter\na_total one\n", // not a number
                "# TYPE a_total counter\n# TYPE a_total counter\na_total 1\n", // family twice
                "# TYPE a gauge\n# TYPE b gauge\na 1\n", // samples away from their TYPE
                "# TYPE a gauge\na 1")) { // no final line feed
            try {
                MetricsText.parse(bad);
                throw new IllegalStateException("accepted: " + bad);
            } catch (AssertionError expected) {
                // refused, as it should be
            }
        }
    }

    @Test
    public void healthIsOkWhileUp() throws Exception {
        AdminHttp.Response health = new AdminHttp(adminPort).get("/health");
        assertEquals(health.body(), 200, health.status());
        assertTrue(health.body(), health.body().contains("ready"));
    }

    private static double received(Map<String, MetricsText.Family> families) {
        MetricsText.Family f = families.get("karavel_smtp_messages_received_total");
        return f == null ? 0 : f.sum();
    }

    /** Sends a message for bob@remote.test from 127.0.0.1 (a relay host) and returns its queue id. */
    private static String queueForRemote(String sender, String subject) throws IOException {
        try (SmtpClient c = SmtpClient.connect(smtpPort)) {
            c.readReply();
            c.command("EHLO client.test");
            String reply = c.sendMail(sender, List.of("bob@remote.test"), "Subject: " + subject + "\r\n\r\nHello.\r\n");
            assertTrue(reply, reply.startsWith("250 2.0.0"));
            String[] words = reply.trim().split("\\s+");
            return words[words.length - 1];
        }
    }

    /** The delivery attempts of a queued message according to the API, -1 when it cannot be read. */
    private static int attempts(String id) {
        try {
            AdminHttp.Response r = new AdminHttp(adminPort).get("/api/v1/queue/messages/" + id);
            Matcher m = ATTEMPTS.matcher(r.body());
            return r.status() == 200 && m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Runs {@code bin/client "command"} as cron or a systemd timer would: no terminal, standard input
     * empty, with the user that bin/setenv put in etc/users.properties. (Karaf 4.4's client cancels
     * the command when its input ends; bin/setenv gives it an input that does not.)
     */
    private static String client(String command) throws Exception {
        KarafClient.Result r = KarafClient.run(karavel.home(), command, Duration.ofSeconds(60));
        String out = r.output();
        assertEquals("bin/client \"" + command + "\" failed: " + out, 0, r.exitCode());
        assertFalse(out, out.contains("Session has been closed") || out.contains("Authentication failed"));
        return out;
    }

    private static boolean anyFileContains(Path dir, String text) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.readString(f, StandardCharsets.ISO_8859_1).contains(text)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int status(AdminHttp http, String path) {
        try {
            return http.get(path).status();
        } catch (IOException e) {
            return -1;
        }
    }
}
