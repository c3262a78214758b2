package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.testkit.MemorySpool;

/**
 * A web browser on the admin's machine cannot be turned against the API: requests with a foreign
 * Host (DNS rebinding), from another site, or without a JSON content type are refused on the real
 * server over a real socket, while a plain client on loopback is served. And with token_file, a
 * state-changing request from loopback needs the token.
 */
class BrowserGuardTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private RunningAdmin admin;
    private MemorySpool spool;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        if (spool != null) {
            spool.close();
        }
    }

    private void start(Set<String> serverNames, Path tokenFile) throws Exception {
        admin = new RunningAdmin(false, List.of("127.0.0.0/8", "::1"), Set.of(), 5, 1 << 20, serverNames, tokenFile);
        spool = new MemorySpool().commitOnSpoolThread();
        admin.services.spool = spool;
        admin.services.deliveryControl = new InMemoryDeliveryControl(spool);
    }

    private int port() {
        return admin.server.port();
    }

    private String here() {
        return "127.0.0.1:" + port();
    }

    private RawHttp.Response get(String host) throws Exception {
        return RawHttp.send(port(), "GET /api/v1/queue/summary HTTP/1.1", null, "Host", host);
    }

    private RawHttp.Response flush(String... headers) throws Exception {
        return RawHttp.send(port(), "POST /api/v1/queue/flush HTTP/1.1", null, headers);
    }

    private static String error(RawHttp.Response r) throws Exception {
        assertThat(r.header("Content-Type")).isEqualTo(AdminResponse.JSON);
        return JSON.readTree(r.body()).get("error").asText();
    }

    private static void noCors(RawHttp.Response r) {
        assertThat(r.headers().keySet()).noneMatch(h -> h.startsWith("access-control-"));
    }

    @Test
    void aForeignHostIsRefusedWhateverTheMethodAndTheListenersOwnNamesAreServed() throws Exception {
        start(Set.of("mx.example.org"), null);

        RawHttp.Response rebound = get("attacker.example:" + port());
        assertThat(rebound.status()).isEqualTo(403);
        assertThat(error(rebound)).isEqualTo("host_not_allowed");
        assertThat(rebound.body()).contains("attacker.example").contains("server_names");
        noCors(rebound);
        RawHttp.Response rebound80 = get("attacker.example");
        assertThat(rebound80.status()).isEqualTo(403);
        RawHttp.Response post = flush("Host", "attacker.example", "Content-Type", "application/json");
        assertThat(post.status()).isEqualTo(403);
        assertThat(spool.flushed()).isEmpty();
        // a name that merely starts or ends like ours is foreign too
        assertThat(get("localhost.attacker.example").status()).isEqualTo(403);
        assertThat(get("mx.example.org.attacker.example").status()).isEqualTo(403);

        for (String ours : List.of(
                here(),
                "127.0.0.1",
                "localhost:" + port(),
                "LocalHost.:" + port(),
                "[::1]:" + port(),
                "127.0.0.2:9000",
                "mx.example.org:" + port(),
                "MX.Example.Org")) {
            RawHttp.Response r = get(ours);
            assertThat(r.status()).as(ours).isEqualTo(200);
            assertThat(r.body()).contains("\"domains\"");
        }
    }

    @Test
    void aMissingOrDoubledHostIsABadRequestAndAnAbsoluteUriMustNameUsToo() throws Exception {
        start(Set.of(), null);

        RawHttp.Response none = RawHttp.send(port(), "GET /api/v1/queue/summary HTTP/1.1", null);
        RawHttp.Response two = RawHttp.send(
                port(), "GET /api/v1/queue/summary HTTP/1.1", null, "Host", here(), "Host", "attacker.example");
        RawHttp.Response garbage = get("127.0.0.1:80:80");
        RawHttp.Response absolute =
                RawHttp.send(port(), "GET http://attacker.example/api/v1/queue/summary HTTP/1.1", null, "Host", here());

        assertThat(none.status()).isEqualTo(400);
        assertThat(two.status()).isEqualTo(400);
        assertThat(garbage.status()).isEqualTo(403);
        assertThat(absolute.status()).isEqualTo(403);
        assertThat(error(absolute)).isEqualTo("host_not_allowed");
    }

    @Test
    void aCrossSiteOriginOrFetchSiteIsRefusedAndTheSameOriginServed() throws Exception {
        start(Set.of(), null);

        for (String[] headers : List.of(
                new String[] {"Origin", "http://attacker.example"},
                new String[] {"Origin", "http://attacker.example:" + port()},
                new String[] {"Origin", "null"},
                new String[] {"Origin", "https://" + here()},
                new String[] {"Origin", "http://localhost:3000"},
                new String[] {"Sec-Fetch-Site", "cross-site"},
                new String[] {"Sec-Fetch-Site", "same-site"},
                new String[] {"Origin", "http://" + here(), "Sec-Fetch-Site", "cross-site"})) {
            String[] all = new String[headers.length + 4];
            all[0] = "Host";
            all[1] = here();
            all[2] = "Content-Type";
            all[3] = "application/json";
            System.arraycopy(headers, 0, all, 4, headers.length);
            RawHttp.Response r = flush(all);
            assertThat(r.status()).as(String.join(" ", headers)).isEqualTo(403);
            assertThat(error(r)).isEqualTo("cross_site_request");
            noCors(r);
        }
        assertThat(spool.flushed()).isEmpty();

        RawHttp.Response sameOrigin = flush(
                "Host",
                here(),
                "Content-Type",
                "application/json",
                "Origin",
                "http://" + here(),
                "Sec-Fetch-Site",
                "same-origin");
        RawHttp.Response typedByHand =
                flush("Host", here(), "Content-Type", "application/json", "Sec-Fetch-Site", "none");
        assertThat(sameOrigin.status()).isEqualTo(200);
        assertThat(typedByHand.status()).isEqualTo(200);
        // a cross-site GET changes nothing and the browser cannot read the answer (no CORS headers): served
        RawHttp.Response read = RawHttp.send(
                port(),
                "GET /api/v1/queue/summary HTTP/1.1",
                null,
                "Host",
                here(),
                "Origin",
                "http://attacker.example",
                "Sec-Fetch-Site",
                "cross-site");
        assertThat(read.status()).isEqualTo(200);
        noCors(read);
    }

    @Test
    void aStateChangeNeedsAJsonContentTypeWhichNoFormCanSend() throws Exception {
        start(Set.of(), null);

        for (String type : List.of(
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/jsonx",
                "")) {
            RawHttp.Response r = type.isEmpty() ? flush("Host", here()) : flush("Host", here(), "Content-Type", type);
            assertThat(r.status()).as(type).isEqualTo(415);
            assertThat(error(r)).isEqualTo("unsupported_media_type");
        }
        RawHttp.Response delete =
                RawHttp.send(port(), "DELETE /api/v1/queue/messages/ABC123 HTTP/1.1", null, "Host", here());
        assertThat(delete.status()).isEqualTo(415);
        RawHttp.Response preflight = RawHttp.send(
                port(),
                "OPTIONS /api/v1/queue/flush HTTP/1.1",
                null,
                "Host",
                here(),
                "Origin",
                "http://attacker.example",
                "Access-Control-Request-Method",
                "POST");
        assertThat(preflight.status()).isEqualTo(403);
        noCors(preflight);
        assertThat(spool.flushed()).isEmpty();

        RawHttp.Response json = flush("Host", here(), "Content-Type", "Application/JSON; charset=utf-8");
        assertThat(json.status()).isEqualTo(200);
        // the JDK's HttpClient, as a script on the box would use it, sets Host itself
        HttpResponse<String> plain = admin.post("/api/v1/queue/flush", null);
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.headers().map().keySet())
                .noneMatch(h -> h.toLowerCase().startsWith("access-control-"));
    }

    @Test
    void withATokenFileAStateChangeFromLoopbackNeedsTheTokenWhichIsMadeOnFirstStart() throws Exception {
        Path file = dir.resolve("admin.token");
        start(Set.of(), file);

        assertThat(file).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-r-----");
        String token = Files.readString(file).strip();
        assertThat(token).matches("[A-Za-z0-9_-]{43}");

        RawHttp.Response none = flush("Host", here(), "Content-Type", "application/json");
        assertThat(none.status()).isEqualTo(401);
        assertThat(error(none)).isEqualTo("token_required");
        assertThat(none.header("WWW-Authenticate")).startsWith("Bearer realm=\"karavel\"");
        RawHttp.Response wrong = flush(
                "Host",
                here(),
                "Content-Type",
                "application/json",
                "Authorization",
                "Bearer " + token.substring(1) + "x");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(error(wrong)).isEqualTo("bad_token");
        assertThat(spool.flushed()).isEmpty();
        assertThat(get(here()).status()).as("reading needs no token").isEqualTo(200);

        HttpResponse<String> right = RunningAdmin.send(
                RunningAdmin.client(null),
                HttpRequest.newBuilder(admin.uri("/api/v1/queue/flush"))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build());
        assertThat(right.statusCode()).isEqualTo(200);

        // replaced by the operator: the new token counts from the next request
        Files.writeString(file, "a-token-chosen-by-the-operator\n");
        assertThat(flush("Host", here(), "Content-Type", "application/json", "Authorization", "Bearer " + token)
                        .status())
                .isEqualTo(401);
        assertThat(flush(
                                "Host",
                                here(),
                                "Content-Type",
                                "application/json",
                                "Authorization",
                                "Bearer a-token-chosen-by-the-operator")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void aTokenFileOthersMayReadOrALinkIsNeverUsed() throws Exception {
        Path real = dir.resolve("real.token");
        Files.writeString(real, "a-token-chosen-by-the-operator\n");
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r--r--"));
        start(Set.of(), real);

        RawHttp.Response readable = flush(
                "Host",
                here(),
                "Content-Type",
                "application/json",
                "Authorization",
                "Bearer a-token-chosen-by-the-operator");
        assertThat(readable.status()).isEqualTo(503);
        assertThat(error(readable)).isEqualTo("token_unavailable");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(real)))
                .as("never changed behind the operator's back")
                .isEqualTo("rw-r--r--");

        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r-----"));
        assertThat(flush(
                                "Host",
                                here(),
                                "Content-Type",
                                "application/json",
                                "Authorization",
                                "Bearer a-token-chosen-by-the-operator")
                        .status())
                .isEqualTo(200);
        stop();

        Path link = dir.resolve("link.token");
        Files.createSymbolicLink(link, real);
        start(Set.of(), link);
        RawHttp.Response linked = flush(
                "Host",
                here(),
                "Content-Type",
                "application/json",
                "Authorization",
                "Bearer a-token-chosen-by-the-operator");
        assertThat(linked.status()).isEqualTo(503);
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }

    @Test
    void theNamesOfAListenerFollowItsAddress() {
        BrowserGuard specific = guard("192.0.2.10", Set.of("mx.example.org"));
        BrowserGuard any = guard("0.0.0.0", Set.of());
        BrowserGuard anyV6 = guard("::", Set.of());
        URI path = URI.create("/health");

        specific.check("GET", path, List.of("192.0.2.10:8000"), null, null, null);
        specific.check("GET", path, List.of("mx.example.org"), null, null, null);
        assertThatThrownBy(() -> specific.check("GET", path, List.of("localhost:8000"), null, null, null))
                .isInstanceOf(ApiError.class)
                .hasMessageContaining("DNS rebinding");
        assertThatThrownBy(() -> specific.check("GET", path, List.of("192.0.2.11"), null, null, null))
                .isInstanceOf(ApiError.class);
        any.check("GET", path, List.of("localhost"), null, null, null);
        any.check("GET", path, List.of("198.51.100.7:8000"), null, null, null);
        anyV6.check("GET", path, List.of("[2001:db8::1]:8000"), null, null, null);
        assertThatThrownBy(() -> any.check("GET", path, List.of("attacker.example"), null, null, null))
                .isInstanceOf(ApiError.class);
        assertThatThrownBy(() -> AdminSettings.from(
                        AdminSettingsTest.config(Map.of("server__names", new String[] {"mx.example.org, bad/name"})),
                        "h"))
                .hasMessageContaining("server_names");
    }

    private static BrowserGuard guard(String address, Set<String> names) {
        return new BrowserGuard(
                new AdminSettings(true, address, 8000, false, List.of(), Set.of(), 5, 300, 1000, 2, "h", names, null));
    }
}
