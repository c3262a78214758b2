package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The route table: what each path allows, from the table alone, before any service is looked at. */
class AdminRoutesTest {
    /** Every path the API serves and the Allow header its 405 must carry, written out by hand. */
    private static final Map<String, String> ALLOW = new LinkedHashMap<>();

    static {
        ALLOW.put("/metrics", "GET");
        ALLOW.put("/health", "GET");
        ALLOW.put("/api/v1/queue/summary", "GET");
        ALLOW.put("/api/v1/queue/flush", "POST");
        ALLOW.put("/api/v1/queue/messages", "GET");
        ALLOW.put("/api/v1/queue/messages/{id}", "GET, DELETE");
        ALLOW.put("/api/v1/queue/messages/{id}/flush", "POST");
        ALLOW.put("/api/v1/queue/messages/{id}/bounce", "POST");
        ALLOW.put("/api/v1/messages", "POST");
        ALLOW.put("/api/v1/inject", "POST");
        ALLOW.put("/api/v1/domains/suspended", "GET");
        ALLOW.put("/api/v1/domains/{domain}/suspend", "POST");
        ALLOW.put("/api/v1/domains/{domain}/resume", "POST");
        ALLOW.put("/api/v1/aliases", "GET, POST");
        ALLOW.put("/api/v1/aliases/{address}", "DELETE");
        ALLOW.put("/api/v1/suppression", "GET, POST");
        ALLOW.put("/api/v1/suppression/export", "GET");
        ALLOW.put("/api/v1/suppression/import", "POST");
        ALLOW.put("/api/v1/suppression/{address}", "GET, DELETE");
        ALLOW.put("/api/v1/greylist", "GET");
        ALLOW.put("/api/v1/dnsbl", "GET");
        ALLOW.put("/api/v1/config", "GET");
        ALLOW.put("/api/v1/status-checks", "GET");
        ALLOW.put("/api/v1/shaping", "GET");
        ALLOW.put("/api/v1/history", "GET");
        ALLOW.put("/api/v1/users", "GET, POST");
        ALLOW.put("/api/v1/users/{user}", "DELETE");
        ALLOW.put("/api/v1/users/{user}/password", "POST");
        ALLOW.put("/api/v1/dkim", "GET");
        ALLOW.put("/api/v1/nodes", "GET");
    }

    // no spool, no delivery control: a 405 must not depend on any of them
    private final AdminApi api = new AdminApi(
            new AdminServices(),
            new AdminCounters(),
            new MessageInjection("mx.example", ZonedDateTime::now, new MailLog(line -> {})),
            new MailLog(line -> {}),
            1 << 20,
            Instant::now);

    @Test
    void theTableServesExactlyTheListedPaths() {
        Set<String> paths = new LinkedHashSet<>();
        api.routes().forEach(route -> paths.add(route.path()));
        assertThat(paths).containsExactlyElementsOf(ALLOW.keySet());
    }

    @Test
    void eachPathAnswersAnotherMethodWith405AndItsAllow() {
        ALLOW.forEach((pattern, allow) -> {
            String path = pattern.replace("{id}", "0123456789AB")
                    .replace("{domain}", "b.example")
                    .replace("{address}", "info@b.example")
                    .replace("{user}", "ann@b.example");
            for (String method : List.of("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD")) {
                if (List.of(allow.split(", ")).contains(method)) {
                    continue;
                }
                assertThatThrownBy(() -> api.handle(request(method, path)))
                        .as("%s %s", method, path)
                        .isInstanceOfSatisfying(ApiError.class, e -> {
                            assertThat(e.status()).isEqualTo(405);
                            assertThat(e.headers()).containsExactlyEntriesOf(Map.of("Allow", allow));
                            assertThat(e.getMessage()).isEqualTo("use " + allow);
                        });
            }
        });
    }

    @Test
    void aPathNoRouteHasIs404WhateverTheMethod() {
        for (String path :
                List.of("/", "/api/v1", "/api/v1/queue", "/api/v1/aliases/a/b", "/metrics/x", "/api/v2/config")) {
            for (String method : List.of("GET", "PUT")) {
                assertThatThrownBy(() -> api.handle(request(method, path)))
                        .as("%s %s", method, path)
                        .isInstanceOfSatisfying(
                                ApiError.class, e -> assertThat(e.status()).isEqualTo(404));
            }
        }
    }

    @Test
    void aLiteralPatternListedFirstWinsOverAParameterOne() {
        RouteTable table = new RouteTable(List.of(
                Route.get("domains/suspended", (r, p) -> AdminResponse.text(200, "text/plain", "list")),
                Route.post("domains/{domain}", (r, p) -> AdminResponse.text(200, "text/plain", p.get(0)))));
        assertThat(new String(table.answer(request("GET", "/domains/suspended")).body()))
                .isEqualTo("list");
        assertThatThrownBy(() -> table.answer(request("POST", "/domains/suspended")))
                .isInstanceOfSatisfying(
                        ApiError.class, e -> assertThat(e.headers()).containsEntry("Allow", "GET"));
        assertThat(new String(
                        table.answer(request("POST", "/domains/a.example")).body()))
                .isEqualTo("a.example");
    }

    private static AdminRequest request(String method, String path) {
        return new AdminRequest(method, path, Map.of(), new byte[0], InetAddress.getLoopbackAddress(), false, "");
    }
}
