package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.suppression.Suppression;
import org.karavel.testkit.InMemorySuppressionList;

/** /api/v1/suppression over HTTP from a trusted client, and refused from an untrusted one. */
class SuppressionEndpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    private RunningAdmin admin;
    private final InMemorySuppressionList list = new InMemorySuppressionList();

    @BeforeEach
    void start() throws Exception {
        admin = RunningAdmin.trustedHttp();
        admin.services.suppression = list;
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    private HttpResponse<String> postCsv(String path, String csv, String contentType) throws Exception {
        return RunningAdmin.send(
                RunningAdmin.client(null),
                HttpRequest.newBuilder(admin.uri(path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", contentType)
                        .POST(HttpRequest.BodyPublishers.ofString(csv))
                        .build());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void addShowListAndRemove() throws Exception {
        HttpResponse<String> added = admin.post(
                "/api/v1/suppression",
                "{\"address\":\"Gone@Example.net\",\"reason\":\"asked to stop\",\"expires\":\"2027-01-31T00:00:00Z\"}");
        assertThat(added.statusCode()).isEqualTo(200);
        JsonNode entry = json(added).get("entries").get(0);
        assertThat(entry.get("address").asText()).isEqualTo("gone@example.net");
        assertThat(entry.get("category").asText()).isEqualTo("manual");
        assertThat(entry.get("source").asText()).isEqualTo("admin");
        assertThat(entry.get("expires").asText()).isEqualTo("2027-01-31T00:00:00Z");

        HttpResponse<String> many = admin.post(
                "/api/v1/suppression",
                "[{\"address\":\"a@example.org\"},{\"address\":\"b@example.org\",\"category\":\"invalid_recipient\"}]");
        assertThat(json(many).get("added").asInt()).isEqualTo(2);

        HttpResponse<String> shown = admin.get("/api/v1/suppression/gone@example.net");
        assertThat(shown.statusCode()).isEqualTo(200);
        assertThat(json(shown).get("reason").asText()).isEqualTo("asked to stop");

        JsonNode all = json(admin.get("/api/v1/suppression"));
        assertThat(all.get("entries")).hasSize(3);
        assertThat(all.get("count").asLong()).isEqualTo(3);
        assertThat(all.get("next").asText()).isEmpty();
        JsonNode page = json(admin.get("/api/v1/suppression?address=%40example.org&limit=1"));
        assertThat(page.get("entries")).hasSize(1);
        assertThat(page.get("next").asText()).isEqualTo("a@example.org");
        JsonNode next = json(admin.get("/api/v1/suppression?address=%40example.org&limit=1&after=a%40example.org"));
        assertThat(next.get("entries").get(0).get("address").asText()).isEqualTo("b@example.org");

        HttpResponse<String> removed = admin.delete("/api/v1/suppression/gone%40example.net");
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(list.find("gone@example.net")).isEmpty();
        HttpResponse<String> again = admin.delete("/api/v1/suppression/gone@example.net");
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(json(again).get("error").asText()).isEqualTo("not_found");
        assertThat(admin.get("/api/v1/suppression/gone@example.net").statusCode())
                .isEqualTo(404);
    }

    @Test
    void badInputIs400NamingTheField() throws Exception {
        HttpResponse<String> noAddress = admin.post("/api/v1/suppression", "{\"reason\":\"x\"}");
        assertThat(noAddress.statusCode()).isEqualTo(400);
        assertThat(json(noAddress).get("message").asText()).startsWith("address: missing");

        HttpResponse<String> badSecond =
                admin.post("/api/v1/suppression", "[{\"address\":\"ok@example.org\"},{\"address\":\"nope\"}]");
        assertThat(badSecond.statusCode()).isEqualTo(400);
        assertThat(json(badSecond).get("message").asText()).startsWith("[1].address: 'nope' is not an address");
        assertThat(list.entries).as("all or none").isEmpty();

        assertThat(json(admin.post("/api/v1/suppression", "{\"address\":\"a@example.org\",\"expires\":\"soon\"}"))
                        .get("message")
                        .asText())
                .startsWith("expires: 'soon'");
        assertThat(json(admin.post("/api/v1/suppression", "{\"address\":\"a@example.org\",\"category\":\"Not OK\"}"))
                        .get("message")
                        .asText())
                .startsWith("category: ");
        assertThat(json(admin.post("/api/v1/suppression", "{\"address\":42}"))
                        .get("message")
                        .asText())
                .isEqualTo("address: must be a string");
        assertThat(json(admin.post("/api/v1/suppression", "not json"))
                        .get("message")
                        .asText())
                .isEqualTo("the body is not valid JSON");
        assertThat(json(admin.get("/api/v1/suppression?limit=0")).get("message").asText())
                .startsWith("limit: ");
        assertThat(json(admin.get("/api/v1/suppression?limit=many"))
                        .get("message")
                        .asText())
                .startsWith("limit: 'many' is not a number");
        assertThat(admin.delete("/api/v1/suppression/not-an-address").statusCode())
                .isEqualTo(400);
    }

    @Test
    void exportAndImportMoveTheListAsCsv() throws Exception {
        list.add(new Suppression(
                "gone@example.net", "550 5.1.1 no, such user", "invalid_recipient", NOW, null, "3F2A9C1B7D"));
        HttpResponse<String> export = admin.get("/api/v1/suppression/export");
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(export.headers().firstValue("Content-Type")).contains("text/csv; charset=utf-8");
        assertThat(export.body())
                .isEqualTo(
                        "address,reason,category,created,expires,source\r\n"
                                + "gone@example.net,\"550 5.1.1 no, such user\",invalid_recipient,2026-12-07T12:00:00Z,,3F2A9C1B7D\r\n");

        list.entries.clear();
        HttpResponse<String> imported = postCsv("/api/v1/suppression/import", export.body(), "text/csv");
        assertThat(imported.statusCode()).isEqualTo(200);
        assertThat(json(imported).get("imported").asInt()).isEqualTo(1);
        assertThat(list.find("gone@example.net").orElseThrow().source()).isEqualTo("3F2A9C1B7D");

        HttpResponse<String> bad = postCsv("/api/v1/suppression/import", "x@example.org\nbroken\n", "text/csv");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("message").asText())
                .startsWith("line 2: address: ")
                .endsWith("; nothing imported");
        assertThat(list.find("x@example.org")).isEmpty();

        // a web form's types are still refused
        assertThat(postCsv("/api/v1/suppression/import", "x@example.org\n", "text/plain")
                        .statusCode())
                .isEqualTo(415);
    }

    @Test
    void withoutTheBundleItIs503() throws Exception {
        admin.services.suppression = null;
        HttpResponse<String> r = admin.get("/api/v1/suppression");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(json(r).get("error").asText()).isEqualTo("service_unavailable");
    }

    @Test
    void anUntrustedClientIsRefusedAsEverywhere() throws Exception {
        try (RunningAdmin remote = new RunningAdmin(false, List.of("192.0.2.0/24"), Set.of(), 5, 1 << 20)) {
            remote.services.suppression = list;
            HttpResponse<String> r = remote.get("/api/v1/suppression");
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(json(r).get("error").asText()).isEqualTo("https_required");
        }
    }
}
