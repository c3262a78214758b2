package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.health.HealthCheck;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.testkit.MemorySpool;

/** Every endpoint over HTTP from a trusted client, against an in-memory spool and delivery control. */
class AdminApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private RunningAdmin admin;
    private MemorySpool spool;
    private InMemoryDeliveryControl control;

    @BeforeEach
    void start() throws Exception {
        admin = RunningAdmin.trustedHttp();
        spool = new MemorySpool().commitOnSpoolThread();
        control = new InMemoryDeliveryControl(spool);
        admin.services.spool = spool;
        admin.services.deliveryControl = control;
    }

    @AfterEach
    void stop() {
        admin.close();
        spool.close();
    }

    private static MailAddress address(String text) throws Exception {
        return MailAddress.parse(text);
    }

    private QueuedMessage queued(String from, Instant received, String... to) throws Exception {
        List<MailAddress> rcpts = new ArrayList<>();
        for (String t : to) {
            rcpts.add(address(t));
        }
        return spool.queue(
                new Envelope(
                        address(from),
                        rcpts,
                        Map.of("BODY", "8BITMIME"),
                        received,
                        "192.0.2.7",
                        "client.example",
                        "mx",
                        ""),
                "Subject: hello\r\n\r\nbody text\r\n");
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void theQueueSummaryCountsPendingRecipientsByDomainWithTheOldestAgeAndSuspension() throws Exception {
        Instant now = Instant.now();
        queued("s@a.example", now.minusSeconds(600), "x@b.example", "y@b.example");
        queued("s@a.example", now.minusSeconds(60), "z@b.example", "w@c.example");
        QueuedMessage partly = queued("s@a.example", now.minusSeconds(30), "v@d.example");
        spool.put(partly.withRecipients(
                List.of(partly.recipients().get(0).with(RecipientStatus.State.DELIVERED, "250 ok", "mx.d.example"))));
        control.suspend("c.example");
        control.suspend("idle.example");

        HttpResponse<String> r = admin.get("/api/v1/queue/summary");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.get("messages").asInt()).isEqualTo(3);
        JsonNode domains = body.get("domains");
        assertThat(domains).hasSize(3);
        assertThat(domains.get(0).get("domain").asText()).isEqualTo("b.example");
        assertThat(domains.get(0).get("messages").asInt()).isEqualTo(2);
        assertThat(domains.get(0).get("recipients").asInt()).isEqualTo(3);
        assertThat(domains.get(0).get("oldestAgeSeconds").asLong()).isBetween(599L, 700L);
        assertThat(domains.get(0).get("suspended").asBoolean()).isFalse();
        JsonNode c = domains.get(1);
        assertThat(c.get("domain").asText()).isEqualTo("c.example");
        assertThat(c.get("suspended").asBoolean()).isTrue();
        assertThat(domains.get(2).get("domain").asText()).isEqualTo("idle.example");
        assertThat(domains.get(2).get("messages").asInt()).isZero();
        assertThat(domains.get(2).get("oldestAgeSeconds").isNull()).isTrue();
    }

    @Test
    void messagesAreListedFilteredByDomainAndLimited() throws Exception {
        Instant now = Instant.now();
        QueuedMessage first = queued("s@a.example", now.minusSeconds(30), "x@b.example");
        queued("s@a.example", now.minusSeconds(20), "y@B.Example");
        queued("s@a.example", now.minusSeconds(10), "z@c.example");

        JsonNode all = json(admin.get("/api/v1/queue/messages"));
        JsonNode b = json(admin.get("/api/v1/queue/messages?domain=b.example.&limit=1"));

        assertThat(all.get("total").asInt()).isEqualTo(3);
        assertThat(b.get("total").asInt()).isEqualTo(2);
        assertThat(b.get("returned").asInt()).isEqualTo(1);
        JsonNode row = b.get("messages").get(0);
        assertThat(row.get("id").asText()).isEqualTo(first.id().value());
        assertThat(row.get("from").asText()).isEqualTo("s@a.example");
        assertThat(row.get("to").get(0).asText()).isEqualTo("x@b.example");
        assertThat(row.get("pending").asInt()).isEqualTo(1);
        // the next page starts after the cursor the first one gives
        assertThat(b.get("next").asText()).isEqualTo(first.id().value());
        JsonNode b2 = json(admin.get("/api/v1/queue/messages?domain=b.example&limit=1&after="
                + b.get("next").asText()));
        assertThat(b2.get("returned").asInt()).isEqualTo(1);
        assertThat(b2.get("messages").get(0).get("to").get(0).asText()).isEqualTo("y@B.Example");
        assertThat(b2.get("next").isNull()).isTrue();
        assertThat(all.get("next").isNull()).isTrue();
        assertThat(admin.get("/api/v1/queue/messages?after=not-an-id").statusCode())
                .isEqualTo(400);
        assertThat(admin.get("/api/v1/queue/messages?limit=0").statusCode()).isEqualTo(400);
        assertThat(admin.get("/api/v1/queue/messages?domain=not%20a%20domain").statusCode())
                .isEqualTo(400);
    }

    @Test
    void oneMessageShowsItsEnvelopeRecipientStatesAndOnRequestItsContent() throws Exception {
        QueuedMessage m = queued("s@a.example", Instant.now(), "x@b.example", "y@c.example");
        spool.put(m.withRecipients(List.of(
                        m.recipients()
                                .get(0)
                                .with(RecipientStatus.State.PENDING, "451 4.7.1 try later", "mx.b.example"),
                        m.recipients().get(1).with(RecipientStatus.State.DELIVERED, "250 2.0.0 ok", "mx.c.example")))
                .withNextAttempt(3, Instant.parse("2030-01-01T00:00:00Z")));

        JsonNode plain = json(admin.get("/api/v1/queue/messages/" + m.id()));
        JsonNode withBody = json(admin.get("/api/v1/queue/messages/" + m.id() + "?body=true"));

        assertThat(plain.get("id").asText()).isEqualTo(m.id().value());
        assertThat(plain.get("envelope").get("from").asText()).isEqualTo("s@a.example");
        assertThat(plain.get("envelope").get("client").asText()).isEqualTo("192.0.2.7");
        assertThat(plain.get("envelope").get("mailParameters").get("BODY").asText())
                .isEqualTo("8BITMIME");
        assertThat(plain.get("attempts").asInt()).isEqualTo(3);
        assertThat(plain.get("nextAttempt").asText()).isEqualTo("2030-01-01T00:00:00Z");
        assertThat(plain.get("size").asLong()).isEqualTo(m.size());
        JsonNode r0 = plain.get("recipients").get(0);
        assertThat(r0.get("address").asText()).isEqualTo("x@b.example");
        assertThat(r0.get("state").asText()).isEqualTo("pending");
        assertThat(r0.get("lastReply").asText()).isEqualTo("451 4.7.1 try later");
        assertThat(r0.get("remoteHost").asText()).isEqualTo("mx.b.example");
        assertThat(plain.get("recipients").get(1).get("state").asText()).isEqualTo("delivered");
        assertThat(plain.has("content")).isFalse();
        assertThat(withBody.get("content").asText()).isEqualTo("Subject: hello\r\n\r\nbody text\r\n");
        assertThat(withBody.get("contentTruncated").asBoolean()).isFalse();
    }

    @Test
    void unknownAndInvalidIdsAre404And400() throws Exception {
        HttpResponse<String> unknown = admin.get("/api/v1/queue/messages/ABC123");
        HttpResponse<String> invalid = admin.get("/api/v1/queue/messages/not-an-id");

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("error").asText()).isEqualTo("not_found");
        assertThat(json(unknown).get("message").asText()).contains("ABC123");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(admin.post("/api/v1/queue/messages/ABC123/flush", null).statusCode())
                .isEqualTo(404);
        assertThat(admin.delete("/api/v1/queue/messages/ABC123").statusCode()).isEqualTo(404);
        assertThat(admin.post("/api/v1/queue/messages/ABC123/bounce", "{}").statusCode())
                .isEqualTo(404);
    }

    @Test
    void wrongMethodsAre405WithAllowAndUnknownPaths404() throws Exception {
        HttpResponse<String> wrong = admin.post("/api/v1/queue/summary", "{}");
        HttpResponse<String> unknown = admin.get("/api/v1/nothing");
        HttpResponse<String> unversioned = admin.get("/api/v2/queue/summary");

        assertThat(wrong.statusCode()).isEqualTo(405);
        assertThat(wrong.headers().firstValue("Allow")).hasValue("GET");
        assertThat(json(wrong).get("error").asText()).isEqualTo("method_not_allowed");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unversioned.statusCode()).isEqualTo(404);
    }

    @Test
    void flushingOneMessageAllMessagesOrOneDomain() throws Exception {
        QueuedMessage b = queued("s@a.example", Instant.now(), "x@b.example");
        QueuedMessage c = queued("s@a.example", Instant.now(), "y@c.example");

        HttpResponse<String> one = admin.post("/api/v1/queue/messages/" + b.id() + "/flush", null);
        HttpResponse<String> domain = admin.post("/api/v1/queue/flush?domain=C.example", null);
        HttpResponse<String> all = admin.post("/api/v1/queue/flush", null);

        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(json(one).get("flushed").asBoolean()).isTrue();
        assertThat(json(domain).get("flushed").asInt()).isEqualTo(1);
        assertThat(json(domain).get("domain").asText()).isEqualTo("c.example");
        assertThat(json(all).get("flushed").asInt()).isEqualTo(2);
        assertThat(spool.flushed()).hasSize(4);
        assertThat(spool.flushed().subList(0, 2)).containsExactly(b.id(), c.id());
        assertThat(spool.flushed().subList(2, 4)).containsExactlyInAnyOrder(b.id(), c.id());
    }

    @Test
    void deletingAMessageRemovesItAndWritesTheMailLog() throws Exception {
        QueuedMessage m = queued("s@a.example", Instant.now(), "x@b.example");

        HttpResponse<String> r = admin.delete("/api/v1/queue/messages/" + m.id());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).get("deleted").asBoolean()).isTrue();
        assertThat(spool.get(m.id())).isEmpty();
        assertThat(admin.mailLog).containsExactly(m.id() + ": removed by=admin client=[127.0.0.1]");
    }

    @Test
    void bouncingAMessagePassesTheReasonToDelivery() throws Exception {
        QueuedMessage m = queued("s@a.example", Instant.now(), "x@b.example");

        HttpResponse<String> bad =
                admin.post("/api/v1/queue/messages/" + m.id() + "/bounce", "{\"reason\":\"two\\nlines\"}");
        HttpResponse<String> r =
                admin.post("/api/v1/queue/messages/" + m.id() + "/bounce", "{\"reason\":\"spam run\"}");

        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).get("bounced").asBoolean()).isTrue();
        assertThat(control.bounces).containsExactly(m.id() + ": spam run");
    }

    @Test
    void domainsAreSuspendedListedAndResumed() throws Exception {
        HttpResponse<String> suspend = admin.post("/api/v1/domains/Slow.Example/suspend", null);
        HttpResponse<String> listed = admin.get("/api/v1/domains/suspended");
        HttpResponse<String> resume = admin.post("/api/v1/domains/slow.example/resume", null);
        HttpResponse<String> again = admin.post("/api/v1/domains/slow.example/resume", null);
        HttpResponse<String> invalid = admin.post("/api/v1/domains/bad_domain!/suspend", null);

        assertThat(suspend.statusCode()).isEqualTo(200);
        assertThat(json(suspend).get("domain").asText()).isEqualTo("slow.example");
        assertThat(json(listed).get("domains").get(0).asText()).isEqualTo("slow.example");
        assertThat(resume.statusCode()).isEqualTo(200);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(json(again).get("error").asText()).isEqualTo("not_suspended");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(control.suspendedDomains()).isEmpty();
    }

    @Test
    void withoutDeliveryControlItsEndpointsAre503AndWithoutTheSpoolTheQueueIs503() throws Exception {
        admin.services.deliveryControl = null;
        HttpResponse<String> suspended = admin.get("/api/v1/domains/suspended");
        admin.services.spool = null;
        HttpResponse<String> summary = admin.get("/api/v1/queue/summary");

        assertThat(suspended.statusCode()).isEqualTo(503);
        assertThat(summary.statusCode()).isEqualTo(503);
        assertThat(json(summary).get("error").asText()).isEqualTo("service_unavailable");
        assertThat(json(summary).get("message").asText()).contains("spool");
    }

    @Test
    void injectedRfc5322ContentIsQueuedDurablyWithAReceivedHeaderAndMissingFieldsAdded() throws Exception {
        HttpResponse<String> r = admin.post(
                "/api/v1/messages",
                "{\"from\":\"ops@a.example\",\"to\":[\"x@b.example\"],\"content\":\"Subject: test\\nFrom: ops@a.example\\n\\nline 1\\nline 2\"}");

        assertThat(r.statusCode()).isEqualTo(202);
        QueueId id = new QueueId(json(r).get("queueId").asText());
        QueuedMessage m = spool.get(id).orElseThrow();
        assertThat(m.envelope().sender().toString()).isEqualTo("ops@a.example");
        assertThat(m.envelope().listenerName()).isEqualTo("admin");
        assertThat(m.envelope().origin())
                .isEqualTo(org.karavel.api.queue.Origin.adminApi("")); // trusted loopback: no admin name
        assertThat(json(admin.get("/api/v1/queue/messages/" + id))
                        .get("envelope")
                        .get("origin")
                        .asText())
                .isEqualTo("admin_api");
        assertThat(m.envelope().clientAddress()).isEqualTo("127.0.0.1");
        assertThat(m.envelope().mailParameters()).containsEntry("BODY", "7BIT");
        String content = new String(spool.content(id), StandardCharsets.UTF_8);
        assertThat(content)
                .startsWith(
                        "Received: from admin-api ([127.0.0.1])\r\n\tby admin.test.example (Karavel admin API) with HTTP id "
                                + id + "\r\n\tfor <x@b.example>; ");
        assertThat(content).contains("\r\nDate: ").contains("\r\nMessage-ID: <").contains("@admin.test.example>\r\n");
        assertThat(content).endsWith("Subject: test\r\nFrom: ops@a.example\r\n\r\nline 1\r\nline 2\r\n");
        assertThat(content.replace("\r\n", "")).doesNotContain("\n").doesNotContain("\r");
        assertThat(admin.mailLog)
                .singleElement()
                .asString()
                .isEqualTo(id + ": received from=<ops@a.example> size=" + m.size()
                        + " nrcpt=1 client=[127.0.0.1] listener=admin");
    }

    @Test
    void aSubjectAndTextBecomeAPlainTextMessage() throws Exception {
        HttpResponse<String> r = admin.post(
                "/api/v1/messages",
                "{\"from\":\"ops@a.example\",\"to\":[\"x@b.example\",\"y@c.example\"],\"subject\":\"Grüße\",\"text\":\"Hällo\\n.\\nend\"}");

        assertThat(r.statusCode()).isEqualTo(202);
        QueueId id = new QueueId(json(r).get("queueId").asText());
        String content = new String(spool.content(id), StandardCharsets.UTF_8);
        assertThat(content)
                .contains("\r\nFrom: ops@a.example\r\nTo: x@b.example,\r\n y@c.example\r\n")
                .contains("\r\nSubject: =?utf-8?B?R3LDvMOfZQ==?=\r\n")
                .contains(
                        "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHällo\r\n.\r\nend\r\n")
                .doesNotContain("\tfor <");
        assertThat(spool.get(id).orElseThrow().envelope().mailParameters()).containsEntry("BODY", "8BITMIME");
    }

    @Test
    void badInjectionsAre400AndAFullSpoolIs503() throws Exception {
        assertThat(admin.post(
                                "/api/v1/messages",
                                "{\"from\":\"not an address\",\"to\":[\"x@b.example\"],\"text\":\"t\"}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(admin.post("/api/v1/messages", "{\"from\":\"a@b.example\",\"to\":[],\"text\":\"t\"}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(admin.post("/api/v1/messages", "{\"from\":\"a@b.example\",\"to\":[\"x@@b\"],\"text\":\"t\"}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(admin.post("/api/v1/messages", "{\"from\":\"a@b.example\",\"to\":[\"x@b.example\"]}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(admin.post(
                                "/api/v1/messages",
                                "{\"from\":\"a@b.example\",\"to\":[\"x@b.example\"],\"content\":\"no header here\"}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(admin.post(
                                "/api/v1/messages",
                                "{\"from\":\"a@b.example\",\"to\":[\"x@b.example\"],\"subject\":\"a\\r\\nBcc: evil@x.example\",\"text\":\"t\"}")
                        .statusCode())
                .isEqualTo(400);
        HttpResponse<String> notJson = admin.post("/api/v1/messages", "{oops");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).get("error").asText()).isEqualTo("bad_request");
        spool.full(true);
        HttpResponse<String> full =
                admin.post("/api/v1/messages", "{\"from\":\"a@b.example\",\"to\":[\"x@b.example\"],\"text\":\"t\"}");
        assertThat(full.statusCode()).isEqualTo(503);
        assertThat(json(full).get("error").asText()).isEqualTo("spool_full");
        assertThat(full.headers().firstValue("Retry-After")).isPresent();
        assertThat(spool.size()).isZero();
    }

    @Test
    void greylistAndDnsblStatisticsComeFromTheirMetricSource() throws Exception {
        MetricSource greylist = () -> List.of(
                Metric.of("karavel_greylist_deferred_total", "Triplets deferred", Metric.Type.COUNTER, 12),
                new Metric(
                        "karavel_greylist_entries",
                        "Entries",
                        Metric.Type.GAUGE,
                        List.of(new Metric.Sample(Map.of("state", "passed"), 3))));
        admin.services.addMetricSource(greylist, "greylist");

        HttpResponse<String> r = admin.get("/api/v1/greylist");
        HttpResponse<String> dnsbl = admin.get("/api/v1/dnsbl");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.get("source").asText()).isEqualTo("greylist");
        assertThat(body.get("values").get("karavel_greylist_deferred_total").asLong())
                .isEqualTo(12);
        assertThat(body.get("metrics").get(1).get("type").asText()).isEqualTo("gauge");
        assertThat(body.get("metrics")
                        .get(1)
                        .get("samples")
                        .get(0)
                        .get("labels")
                        .get("state")
                        .asText())
                .isEqualTo("passed");
        assertThat(dnsbl.statusCode()).isEqualTo(404);
        admin.services.removeMetricSource(greylist);
        assertThat(admin.get("/api/v1/greylist").statusCode()).isEqualTo(404);
    }

    @Test
    void theConfigurationIsShownWithSecretsRedacted() throws Exception {
        admin.services.configurations = () -> List.of(
                new AdminServices.StoredConfiguration(
                        "org.karavel.dnsbl",
                        null,
                        Map.of("dqs_key", "abc123", "enabled", true, "pass_list", new String[] {"192.0.2.0/24"})),
                new AdminServices.StoredConfiguration(
                        "org.karavel.auth",
                        null,
                        Map.of(
                                "users_file",
                                "/etc/users",
                                "smtp_password",
                                "hunter2",
                                "api_token",
                                "t0k",
                                "relay_pass",
                                "pw",
                                "ldap.passphrase",
                                "pp")),
                new AdminServices.StoredConfiguration("org.karavel.tls", null, Map.of("key_file", "/etc/key.pem")),
                new AdminServices.StoredConfiguration(
                        "org.karavel.x",
                        null,
                        Map.of(
                                "dqs_key",
                                "$[secret:dqs]",
                                "smtp_password",
                                "$[env:SMARTHOST_PASSWORD]",
                                "api_token",
                                "$[env:T;default=fallback-secret]",
                                "relay_pass",
                                "$[secret:a]$[secret:b]",
                                "ldap.passphrase",
                                "$[secret:../etc/x]")));

        HttpResponse<String> r = admin.get("/api/v1/config");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body())
                .doesNotContain("abc123")
                .doesNotContain("hunter2")
                .doesNotContain("t0k")
                .doesNotContain("\"pw\"")
                .doesNotContain("\"pp\"");
        JsonNode list = json(r).get("configurations");
        assertThat(list.get(0).get("pid").asText()).isEqualTo("org.karavel.auth");
        assertThat(list.get(0).get("properties").get("smtp_password").asText()).isEqualTo("***");
        assertThat(list.get(0).get("properties").get("users_file").asText()).isEqualTo("/etc/users");
        assertThat(list.get(1).get("properties").get("dqs_key").asText()).isEqualTo("***");
        assertThat(list.get(1).get("properties").get("enabled").asBoolean()).isTrue();
        assertThat(list.get(1).get("properties").get("pass_list").get(0).asText())
                .isEqualTo("192.0.2.0/24");
        assertThat(list.get(2).get("properties").get("key_file").asText()).isEqualTo("/etc/key.pem");
        // a reference resolved by Config Admin for the component only is shown as stored; anything more is not
        JsonNode references = list.get(3).get("properties");
        assertThat(references.get("dqs_key").asText()).isEqualTo("$[secret:dqs]");
        assertThat(references.get("smtp_password").asText()).isEqualTo("$[env:SMARTHOST_PASSWORD]");
        assertThat(references.get("api_token").asText()).isEqualTo("***");
        assertThat(references.get("relay_pass").asText()).isEqualTo("***");
        assertThat(references.get("ldap.passphrase").asText()).isEqualTo("***");
        assertThat(r.body()).doesNotContain("fallback-secret");
        admin.services.configurations = null;
        assertThat(admin.get("/api/v1/config").statusCode()).isEqualTo(503);
    }

    @Test
    void healthIsReadyOnlyWithASpoolAndAtLeastOneCheckAllReady() throws Exception {
        HttpResponse<String> noChecks = admin.get("/health");
        HealthCheck listener = check("smtp.listener.mx", true, "listening on 127.0.0.1:2525");
        HealthCheck spoolCheck = check("spool", true, "open");
        admin.services.addHealthCheck(listener);
        admin.services.addHealthCheck(spoolCheck);
        HttpResponse<String> ready = admin.get("/health");
        HealthCheck broken = check("smtp.listener.submission", false, "cannot bind 127.0.0.1:587");
        admin.services.addHealthCheck(broken);
        HttpResponse<String> oneDown = admin.get("/health");
        admin.services.removeHealthCheck(broken);
        admin.services.spool = null;
        HttpResponse<String> noSpool = admin.get("/health");

        assertThat(noChecks.statusCode()).isEqualTo(503);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json(ready).get("status").asText()).isEqualTo("ready");
        assertThat(json(ready).get("checks")).hasSize(2);
        assertThat(json(ready).get("checks").get(0).get("name").asText()).isEqualTo("smtp.listener.mx");
        assertThat(json(ready).get("checks").get(0).get("detail").asText()).isEqualTo("listening on 127.0.0.1:2525");
        assertThat(oneDown.statusCode()).isEqualTo(503);
        assertThat(json(oneDown).get("status").asText()).isEqualTo("not_ready");
        assertThat(noSpool.statusCode()).isEqualTo(503);
        assertThat(noSpool.body()).contains("spool.service");
    }

    @Test
    void metricsAreServedInPrometheusTextWithAdminsOwnFamilies() throws Exception {
        admin.services.addMetricSource(
                () -> List.of(
                        Metric.of("karavel_smtp_messages_received_total", "Messages received", Metric.Type.COUNTER, 5)),
                "smtp");
        admin.services.addMetricSource(
                () -> {
                    throw new IllegalStateException("broken source");
                },
                "broken");
        admin.get("/api/v1/nothing");

        HttpResponse<String> r = admin.get("/metrics");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        List<String> lines = r.body().lines().toList();
        assertThat(lines)
                .containsSubsequence(
                        "# HELP karavel_smtp_messages_received_total Messages received",
                        "# TYPE karavel_smtp_messages_received_total counter",
                        "karavel_smtp_messages_received_total 5");
        assertThat(lines)
                .contains(
                        "karavel_admin_requests_total{status=\"404\"} 1",
                        "karavel_admin_metric_source_errors_total 1",
                        "# TYPE karavel_admin_auth_failures_total counter");
    }

    private static HealthCheck check(String name, boolean ready, String detail) {
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean ready() {
                return ready;
            }

            @Override
            public String detail() {
                return detail;
            }
        };
    }
}
