package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * {@code POST /api/v1/inject} on the running distribution: 10,000 recipients in one call, each with
 * its own substitutions, relayed to a sink on loopback that keeps every message. Each message's
 * Subject and body parts are checked against its recipient's values, and every queue id the call
 * returned is found in the Received field of exactly the message for that recipient.
 */
public class InjectionIT {
    private static final int RECIPIENTS = 10_000;
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern QUEUE_ID = Pattern.compile("\\(Karavel admin API\\) with HTTP id ([0-9A-Z]+)");
    private static Distribution karavel;
    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static int adminPort;

    @BeforeClass
    public static void boot() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.add("remote.test", Type.MX, "10 mx.remote.test.", 60);
        dns.add("mx.remote.test", Type.A, "127.0.0.1", 60);
        sink = SmtpSink.start().keepContent(true);
        karavel = Distribution.unpack("inject");
        adminPort = karavel.adminPort();
        karavel.configure("org.karavel.admin.cfg", Map.of("trusted_hosts", "127.0.0.1/32", "tls", "false"));
        int smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        karavel.configure("org.karavel.delivery.cfg", Map.of("remote_port", Integer.toString(sink.port())));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
        Poll.until("the admin API to be ready", WAIT, () -> status("/health") == 200);
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, sink, dns);
    }

    private static HttpClient client() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private static int status(String path) {
        try {
            return client().send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String name(int i) {
        return "Reader " + i;
    }

    private static String code(int i) {
        return "C" + (i * 7919 % 100_003) + "&" + i;
    }

    @Test
    public void tenThousandRecipientsInOneCallEachGetTheirOwnMessageAtTheSink() throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("from").put("email", "news@sender.test").put("name", "Sender News");
        body.put("subject", "Hello {{name}}");
        body.put("text", "Dear {{name}},\nyour code is {{code}}.\n");
        body.put("html", "<p>Dear {{name}}, your code is <b>{{code}}</b>.</p>");
        body.putObject("headers").put("X-Campaign", "{{campaign}}");
        body.putObject("substitutions").put("campaign", "inject-it");
        ArrayNode recipients = body.putArray("recipients");
        for (int i = 0; i < RECIPIENTS; i++) {
            ObjectNode r = recipients.addObject();
            r.put("email", "r" + i + "@remote.test");
            r.putObject("substitutions").put("name", name(i)).put("code", code(i));
        }

        long start = System.nanoTime();
        HttpResponse<String> answer = client().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/api/v1/inject"))
                                .timeout(Duration.ofSeconds(120))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("InjectionIT: " + RECIPIENTS + " recipients queued in " + millis + " ms");

        assertEquals(answer.body().substring(0, Math.min(500, answer.body().length())), 202, answer.statusCode());
        JsonNode result = JSON.readTree(answer.body());
        assertEquals(RECIPIENTS, result.get("success_count").asInt());
        assertEquals(0, result.get("fail_count").asInt());
        Map<String, String> queueIdOf = new HashMap<>();
        for (int i = 0; i < RECIPIENTS; i++) {
            JsonNode m = result.get("messages").get(i);
            assertEquals("r" + i + "@remote.test", m.get("recipient").asText());
            String id = m.get("queue_id").asText();
            assertNull(
                    "queue id returned twice: " + id,
                    queueIdOf.put(id, m.get("recipient").asText()));
        }
        assertEquals("one queue id per message", RECIPIENTS, queueIdOf.size());

        Poll.until("the sink to have every message", WAIT, () -> sink.messages().size() >= RECIPIENTS);
        Set<String> seenIds = new HashSet<>();
        for (SmtpSink.ReceivedMail mail : sink.messages()) {
            assertEquals(1, mail.recipients().size());
            String rcpt = mail.recipients().get(0);
            int i = Integer.parseInt(rcpt.substring(1, rcpt.indexOf('@')));
            String text = mail.contentAsString();
            Matcher id = QUEUE_ID.matcher(text);
            assertTrue(text, id.find());
            assertEquals("the queue id returned for " + rcpt, rcpt, queueIdOf.get(id.group(1)));
            assertTrue("delivered twice: " + id.group(1), seenIds.add(id.group(1)));
            assertTrue(text, text.contains("\r\nSubject: Hello " + name(i) + "\r\n"));
            assertTrue(text, text.contains("\r\nTo: r" + i + "@remote.test\r\n"));
            assertTrue(text, text.contains("\r\nFrom: \"Sender News\" <news@sender.test>\r\n"));
            assertTrue(text, text.contains("\r\nX-Campaign: inject-it\r\n"));
            assertTrue(text, text.contains("\r\nDear " + name(i) + ",\r\nyour code is " + code(i) + ".\r\n"));
            String escaped = code(i).replace("&", "&amp;");
            assertTrue(text, text.contains("<p>Dear " + name(i) + ", your code is <b>" + escaped + "</b>.</p>"));
        }
        assertEquals("every returned queue id arrived", queueIdOf.keySet(), seenIds);
        assertTrue(karavel.mailLog(), karavel.mailLog().contains("listener=admin"));
    }

    @Test
    public void aSubstitutionThatWouldAddAHeaderLineRefusesTheCallNamingRecipientAndField() throws Exception {
        String json = "{\"from\":\"news@sender.test\",\"subject\":\"Hi {{name}}\",\"text\":\"t\",\"recipients\":["
                + "{\"email\":\"ok@remote.test\",\"substitutions\":{\"name\":\"A\"}},"
                + "{\"email\":\"bad@remote.test\",\"substitutions\":{\"name\":\"B\\r\\nBcc: x@remote.test\"}}]}";
        AdminHttp.Response r = new AdminHttp(adminPort).post("/api/v1/inject", json);

        assertEquals(r.body(), 400, r.status());
        assertTrue(r.body(), r.body().contains("recipients[1].substitutions: would put a line break into subject"));
        AdminHttp.Response badAddress = new AdminHttp(adminPort)
                .post(
                        "/api/v1/inject",
                        "{\"from\":\"news@sender.test\",\"text\":\"t\",\"recipients\":[{\"email\":\"x@@y\"}]}");
        assertEquals(badAddress.body(), 400, badAddress.status());
        assertTrue(badAddress.body(), badAddress.body().contains("recipients[0].email: not an address"));
    }
}
