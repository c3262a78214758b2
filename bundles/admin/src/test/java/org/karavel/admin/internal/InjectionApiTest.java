package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.net.CidrBlock;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.SpoolFullException;
import org.karavel.testkit.MemorySpool;

/** {@code POST /api/v1/inject} over real HTTP against an in-memory spool. */
class InjectionApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private RunningAdmin admin;
    private MemorySpool spool;

    @BeforeEach
    void start() throws Exception {
        admin = RunningAdmin.trustedHttp();
        spool = new MemorySpool().commitOnSpoolThread();
        admin.services.spool = spool;
    }

    @AfterEach
    void stop() {
        admin.close();
        spool.close();
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private String content(String queueId) {
        return new String(spool.content(new QueueId(queueId)), StandardCharsets.UTF_8);
    }

    @Test
    void eachRecipientGetsItsOwnMessageWithItsSubstitutionsAndQueueId() throws Exception {
        HttpResponse<String> r = admin.post("/api/v1/inject", """
                {"from": {"email": "news@a.example", "name": "A News"},
                 "subject": "Hello {{name}}",
                 "headers": {"X-Campaign": "{{campaign}}"},
                 "text": "Dear {{name}},\\nyour code is {{code}}.",
                 "html": "<p>Dear {{name}}</p>",
                 "substitutions": {"campaign": "spring", "name": "friend"},
                 "recipients": [
                   {"email": "ann@b.example", "name": "Ann", "substitutions": {"name": "Ann & Co", "code": "A1"}},
                   {"email": "bob@c.example", "substitutions": {"code": "B2"}},
                   "carl@d.example"
                 ]}""");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        JsonNode body = json(r);
        assertThat(body.get("success_count").asInt()).isEqualTo(3);
        assertThat(body.get("fail_count").asInt()).isZero();
        JsonNode messages = body.get("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0).get("recipient").asText()).isEqualTo("ann@b.example");
        assertThat(messages.get(2).get("recipient").asText()).isEqualTo("carl@d.example");

        String ann = content(messages.get(0).get("queue_id").asText());
        assertThat(ann)
                .startsWith("Received: from admin-api ([127.0.0.1])\r\n\tby admin.test.example (Karavel admin API) "
                        + "with HTTP id " + messages.get(0).get("queue_id").asText() + "\r\n\tfor <ann@b.example>; ")
                .contains("\r\nDate: ")
                .contains("\r\nMessage-ID: <")
                .contains("\r\nFrom: \"A News\" <news@a.example>\r\nTo: \"Ann\" <ann@b.example>\r\n"
                        + "Subject: Hello Ann & Co\r\nX-Campaign: spring\r\nMIME-Version: 1.0\r\n")
                .contains("Dear Ann & Co,\r\nyour code is A1.\r\n")
                .contains("<p>Dear Ann &amp; Co</p>\r\n");
        String bob = content(messages.get(1).get("queue_id").asText());
        assertThat(bob)
                .contains("\r\nTo: bob@c.example\r\nSubject: Hello friend\r\n")
                .contains("Dear friend,\r\nyour code is B2.");
        assertThat(content(messages.get(2).get("queue_id").asText())).contains("your code is .");

        QueuedMessage queued =
                spool.get(new QueueId(messages.get(0).get("queue_id").asText())).orElseThrow();
        assertThat(queued.envelope().sender().toString()).isEqualTo("news@a.example");
        assertThat(queued.envelope().recipients()).containsExactly(MailAddress.parse("ann@b.example"));
        assertThat(queued.envelope().listenerName()).isEqualTo("admin");
        assertThat(queued.envelope().origin()).isEqualTo(Origin.adminApi(""));
        assertThat(queued.envelope().mailParameters()).containsEntry("BODY", "7BIT");
        assertThat(admin.mailLog).hasSize(3);
        assertThat(admin.mailLog.get(0))
                .isEqualTo(messages.get(0).get("queue_id").asText() + ": received from=<news@a.example> size="
                        + queued.size() + " nrcpt=1 client=[127.0.0.1] listener=admin");
    }

    @Test
    void aWholeMessageInContentIsFilledInAndGetsDateAndMessageIdWhenMissing() throws Exception {
        HttpResponse<String> r = admin.post("/api/v1/inject", """
                {"from": "ops@a.example", "envelope_sender": "bounces@a.example",
                 "content": "From: ops@a.example\\nSubject: Report for {{site}}\\nDate: Mon, 7 Dec 2026 10:00:00 +0000\\n\\n{{site}}: {{status}}",
                 "recipients": [{"email": "x@b.example", "substitutions": {"site": "mx1", "status": "<ok>"}}]}""");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String id = json(r).get("messages").get(0).get("queue_id").asText();
        String text = content(id);
        assertThat(text)
                .contains("; ")
                .contains("\r\nMessage-ID: <")
                .endsWith("\r\nFrom: ops@a.example\r\n"
                        + "Subject: Report for mx1\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\nmx1: <ok>\r\n");
        assertThat(text.indexOf("\r\nDate:")).isEqualTo(text.lastIndexOf("\r\nDate:"));
        assertThat(spool.get(new QueueId(id)).orElseThrow().envelope().sender().toString())
                .isEqualTo("bounces@a.example");
    }

    @Test
    void oneBadSubstitutionRefusesTheWholeCallNamingRecipientAndFieldAndQueuesNothing() throws Exception {
        HttpResponse<String> r = admin.post("/api/v1/inject", """
                {"from": "ops@a.example", "subject": "Hi {{name}}", "text": "t",
                 "recipients": [{"email": "x@b.example", "substitutions": {"name": "X"}},
                                {"email": "y@b.example", "substitutions": {"name": "Y\\r\\nBcc: evil@x.example"}}]}""");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("error").asText()).isEqualTo("bad_request");
        assertThat(json(r).get("message").asText())
                .isEqualTo(
                        "recipients[1].substitutions: would put a line break into subject (header values are one line)");
        assertThat(spool.size()).isZero();
        assertThat(spool.open()).isEmpty();
    }

    @Test
    void badAddressesAndBadJsonAreNamedByTheirPath() throws Exception {
        HttpResponse<String> badAddress = admin.post(
                "/api/v1/inject",
                "{\"from\":\"ops@a.example\",\"text\":\"t\",\"recipients\":[\"x@b.example\",{\"email\":\"not an address\"}]}");
        assertThat(badAddress.statusCode()).isEqualTo(400);
        assertThat(json(badAddress).get("message").asText()).startsWith("recipients[1].email: not an address");

        HttpResponse<String> badJson = admin.post(
                "/api/v1/inject",
                "{\"from\":\"ops@a.example\",\"recipients\":[{\"email\":\"x@b.example\"},{\"email\": oops}]}");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(json(badJson).get("message").asText())
                .startsWith("recipients[1].email: not valid JSON (line 1, column");
        assertThat(spool.size()).isZero();
    }

    @Test
    void aBodyOverInjectMaxRequestBytesIs413AndTheOtherEndpointsKeepTheirOwnLimit() throws Exception {
        String big = "{\"from\":\"ops@a.example\",\"text\":\"" + "x".repeat(2 << 20)
                + "\",\"recipients\":[\"x@b.example\"]}";
        // RunningAdmin.trustedHttp() has max_request_bytes = 1 MiB; injection keeps its 32 MiB default
        HttpResponse<String> injected = admin.post("/api/v1/inject", big);
        assertThat(injected.statusCode()).as(injected.body()).isEqualTo(202);
        try (RunningAdmin small = new RunningAdmin(new AdminSettings(
                true,
                "127.0.0.1",
                0,
                false,
                List.of(CidrBlock.parse("127.0.0.0/8")),
                Set.of(),
                5,
                300,
                1 << 20,
                2,
                "admin.test.example",
                Set.of(),
                null,
                10,
                1000))) {
            small.services.spool = spool;
            HttpResponse<String> tooBig =
                    small.post("/api/v1/inject", recipients(40).toString());
            assertThat(tooBig.statusCode()).isEqualTo(413);
            assertThat(json(tooBig).get("error").asText()).isEqualTo("too_large");
            assertThat(json(tooBig).get("message").asText())
                    .isEqualTo("body: larger than inject_max_request_bytes (1000 octets)");
            HttpResponse<String> tooMany =
                    small.post("/api/v1/inject", recipients(11).toString());
            assertThat(tooMany.statusCode()).isEqualTo(413);
            assertThat(json(tooMany).get("message").asText())
                    .isEqualTo("recipients: 11 in one call, at most 10 (inject_max_recipients)");
        }
    }

    private static ObjectNode recipients(int n) {
        ObjectNode body = JSON.createObjectNode();
        body.put("from", "ops@a.example");
        body.put("subject", "n {{n}}");
        body.put("text", "for {{n}}");
        ArrayNode list = body.putArray("recipients");
        for (int i = 0; i < n; i++) {
            ObjectNode r = list.addObject();
            r.put("email", "r" + i + "@b.example");
            r.putObject("substitutions").put("n", Integer.toString(i));
        }
        return body;
    }

    @Test
    void manyRecipientsAreQueuedInGroupsEachWithItsOwnId() throws Exception {
        HttpResponse<String> r = admin.post("/api/v1/inject", recipients(2000).toString());

        assertThat(r.statusCode()).isEqualTo(202);
        JsonNode messages = json(r).get("messages");
        assertThat(messages).hasSize(2000);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            String id = messages.get(i).get("queue_id").asText();
            ids.add(id);
            assertThat(messages.get(i).get("recipient").asText()).isEqualTo("r" + i + "@b.example");
            assertThat(content(id)).contains("\r\nSubject: n " + i + "\r\n").endsWith("\r\nfor " + i + "\r\n");
        }
        assertThat(ids).hasSize(2000);
        assertThat(spool.size()).isEqualTo(2000);
    }

    @Test
    void aWindowOfCommitsIsHandedToTheSpoolBeforeTheFirstIsWaitedFor() throws Exception {
        spool.holdCommits();
        CompletableFuture<HttpResponse<String>> answer = RunningAdmin.client(null)
                .sendAsync(
                        HttpRequest.newBuilder(admin.uri("/api/v1/inject"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        recipients(1200).toString()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        // so the spool's group commit gets many messages per fsync, not one at a time
        await().atMost(Duration.ofSeconds(30)).until(() -> spool.commitsStarted() == InjectionBatch.WINDOW);
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .until(() -> spool.commitsStarted() == InjectionBatch.WINDOW);
        assertThat(answer).isNotDone();
        spool.releaseCommits();

        assertThat(answer.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
        assertThat(spool.size()).isEqualTo(1200);
    }

    @Test
    void aSpoolThatFillsUpMidwayStopsTheCallAndTheAnswerSaysWhatWasQueued() throws Exception {
        AtomicInteger created = new AtomicInteger();
        MemorySpool filling = new MemorySpool() {
            @Override
            public MessageDraft create() throws IOException {
                if (created.incrementAndGet() > 3) {
                    throw new SpoolFullException("test spool is full");
                }
                return super.create();
            }
        }.commitOnSpoolThread();
        admin.services.spool = filling;
        try {
            HttpResponse<String> r = admin.post("/api/v1/inject", recipients(5).toString());

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("60");
            JsonNode body = json(r);
            assertThat(body.get("error").asText()).isEqualTo("spool_full");
            assertThat(body.get("success_count").asInt()).isEqualTo(3);
            assertThat(body.get("fail_count").asInt()).isEqualTo(2);
            List<String> failed = new ArrayList<>();
            body.get("failed_recipients").forEach(n -> failed.add(n.asText()));
            assertThat(failed).containsExactly("r3@b.example", "r4@b.example");
            assertThat(body.get("errors").get(0).asText()).startsWith("recipients[3]: the spool has no room now");
            assertThat(filling.size()).isEqualTo(3);
            for (JsonNode m : body.get("messages")) {
                assertThat(filling.get(new QueueId(m.get("queue_id").asText()))).isPresent();
            }
        } finally {
            filling.close();
        }
    }

    @Test
    void withoutTheSpoolTheAnswerIs503() throws Exception {
        admin.services.spool = null;
        HttpResponse<String> r = admin.post("/api/v1/inject", recipients(1).toString());
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(json(r).get("error").asText()).isEqualTo("service_unavailable");
    }
}
