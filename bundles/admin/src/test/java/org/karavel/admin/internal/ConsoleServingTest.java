package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The console's files on the admin listener: what is served, to whom, and with which headers. */
class ConsoleServingTest {
    private RunningAdmin admin;

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    void theRootRedirectsToThePageAndThePageAndItsModulesAreServedWithTheStrictHeaders() throws Exception {
        admin = RunningAdmin.trustedHttp();
        HttpResponse<String> root = admin.get("/");
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location")).contains("/console/");

        HttpResponse<String> page = admin.get("/console/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
        assertThat(page.body()).contains("<script type=\"module\" src=\"app.js\"></script>");
        assertSecurityHeaders(page);
        assertThat(page.headers().firstValue("Strict-Transport-Security")).isEmpty();

        for (String module : List.of("/console/app.js", "/console/vendor/uPlot.esm.js")) {
            HttpResponse<String> js = admin.get(module);
            assertThat(js.statusCode()).as(module).isEqualTo(200);
            assertThat(js.headers().firstValue("Content-Type")).contains("text/javascript; charset=utf-8");
            assertSecurityHeaders(js);
        }
        HttpResponse<String> css = admin.get("/console/vendor/uPlot.min.css");
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(css.headers().firstValue("Content-Type")).contains("text/css; charset=utf-8");
        // the API's answers carry them too
        assertSecurityHeaders(admin.get("/api/v1/no-such-thing"));
    }

    @Test
    void nothingOutsideTheConsolesFilesIsServed() throws Exception {
        admin = RunningAdmin.trustedHttp();
        for (String path : List.of(
                "/console/../org/karavel/admin/internal/AdminServer.class",
                "/console/%2e%2e/META-INF/MANIFEST.MF",
                "/console/no-such.js",
                "/console/.hidden.js",
                "/console/app.class",
                "/console/vendor/")) {
            RawHttp.Response r =
                    RawHttp.send(admin.server.port(), "GET " + path + " HTTP/1.1", null, "Host", "127.0.0.1");
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).contains("\"not_found\"");
        }
        HttpResponse<String> post = admin.post("/console/index.html", "{}");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
    }

    @Test
    void aRequestNamingAnotherHostIsRefusedForThePageAsForTheApi() throws Exception {
        admin = RunningAdmin.trustedHttp();
        RawHttp.Response rebound = RawHttp.send(
                admin.server.port(), "GET /console/ HTTP/1.1", null, "Host", "attacker.example:" + admin.server.port());
        assertThat(rebound.status()).isEqualTo(403);
        assertThat(rebound.body()).contains("\"host_not_allowed\"").doesNotContain("<html");
    }

    @Test
    void plainHttpFromAnotherMachineIsRefusedAndOnlyLoopbackOrHttpsIsServed() throws Exception {
        assertThatThrownBy(() -> ConsoleFiles.checkTransport(InetAddress.getByName("192.0.2.7"), false))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.code()).isEqualTo("https_required");
                    assertThat(e.getMessage()).contains("SSH tunnel");
                });
        assertThatThrownBy(() -> ConsoleFiles.checkTransport(InetAddress.getByName("2001:db8::7"), false))
                .isInstanceOf(ApiError.class);
        ConsoleFiles.checkTransport(InetAddress.getLoopbackAddress(), false);
        ConsoleFiles.checkTransport(InetAddress.getByName("::1"), false);
        ConsoleFiles.checkTransport(InetAddress.getByName("192.0.2.7"), true);
    }

    @Test
    void overHttpsEveryAnswerCarriesStrictTransportSecurityAndTheConsolesLoginGetsNoBrowserDialog() throws Exception {
        TestCertificates.Server certificate = TestCertificates.selfSigned("admin.test.example");
        // no trusted hosts: every client needs credentials, as one from elsewhere would
        admin = new RunningAdmin(true, List.of(), Set.of("admin@example.org"), 5, 1 << 20);
        admin.tlsContext = certificate.context();
        admin.services.users = new FixedUsers(Map.of("admin@example.org", "right horse battery"));
        HttpClient client = RunningAdmin.client(TestCertificates.trusting(certificate.certificate()));

        HttpResponse<String> page =
                RunningAdmin.send(client, get(admin, "/console/").build());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Strict-Transport-Security"))
                .contains("max-age=63072000; includeSubDomains");
        assertSecurityHeaders(page);

        HttpResponse<String> plain =
                RunningAdmin.send(client, get(admin, "/api/v1/queue/summary").build());
        assertThat(plain.statusCode()).isEqualTo(401);
        assertThat(plain.headers().firstValue("WWW-Authenticate")).contains(AdminAccess.REALM);
        assertThat(plain.headers().firstValue("Strict-Transport-Security")).isPresent();
        HttpResponse<String> fromConsole = RunningAdmin.send(
                client,
                get(admin, "/api/v1/queue/summary")
                        .header(AdminServer.CONSOLE_HEADER, "1")
                        .build());
        assertThat(fromConsole.statusCode()).isEqualTo(401);
        assertThat(fromConsole.headers().firstValue("WWW-Authenticate")).contains("Karavel-" + AdminAccess.REALM);
    }

    @Test
    void thePageHasNoInlineScriptStyleOrHandlerThePolicyWouldBlock() throws Exception {
        Pattern inline = Pattern.compile(
                "<script(?![^>]*\\bsrc=)[^>]*>|<style\\b|\\sstyle=|\\son[a-z]+=|javascript:", Pattern.CASE_INSENSITIVE);
        for (String file : List.of("console/index.html")) {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(file)) {
                assertThat(in).as(file).isNotNull();
                String html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertThat(inline.matcher(html).find()).as(file + ": " + html).isFalse();
            }
        }
    }

    private static HttpRequest.Builder get(RunningAdmin admin, String path) {
        return HttpRequest.newBuilder(admin.uri(path))
                .timeout(Duration.ofSeconds(30))
                .GET();
    }

    private static void assertSecurityHeaders(HttpResponse<String> r) {
        String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
        assertThat(csp)
                .contains("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'");
        assertThat(csp).doesNotContain("unsafe-inline", "unsafe-eval", "*");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(r.headers().firstValue("Referrer-Policy")).contains("no-referrer");
        assertThat(r.headers().firstValue("X-Frame-Options")).contains("DENY");
    }
}
