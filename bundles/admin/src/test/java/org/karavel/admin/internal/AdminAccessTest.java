package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.testkit.MemorySpool;

/**
 * Who gets in, over real sockets on 127.0.0.1: the test client is made untrusted by configuring
 * trusted_hosts without loopback.
 */
class AdminAccessTest {
    private final FixedUsers users = new FixedUsers(Map.of(
            "admin@example.org", "right horse battery",
            "clerk@example.org", "clerk secret"));
    private TestCertificates.Server certificate;
    private final List<RunningAdmin> running = new ArrayList<>();

    @BeforeEach
    void certificate() throws Exception {
        certificate = TestCertificates.selfSigned("admin.test.example");
    }

    @AfterEach
    void stop() {
        running.forEach(RunningAdmin::close);
    }

    private RunningAdmin start(boolean tls, List<String> trusted, int maxFailures) throws Exception {
        RunningAdmin admin = new RunningAdmin(tls, trusted, Set.of("admin@example.org"), maxFailures, 1 << 20);
        admin.tlsContext = certificate.context();
        admin.services.users = users;
        admin.services.spool = new MemorySpool().commitOnSpoolThread();
        running.add(admin);
        return admin;
    }

    private HttpClient httpsClient() throws Exception {
        return RunningAdmin.client(TestCertificates.trusting(certificate.certificate()));
    }

    private static HttpResponse<String> get(HttpClient client, RunningAdmin admin, String path, String authorization)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(admin.uri(path))
                .timeout(Duration.ofSeconds(30))
                .GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return RunningAdmin.send(client, b.build());
    }

    @Test
    void aTrustedClientNeedsNoCredentials() throws Exception {
        RunningAdmin admin = start(false, List.of("127.0.0.0/8", "::1"), 5);

        HttpResponse<String> r = get(RunningAdmin.client(null), admin, "/api/v1/queue/summary", null);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(AdminResponse.JSON);
        assertThat(r.body()).contains("\"messages\":0");
        assertThat(users.checks).isEmpty();
    }

    @Test
    void anUntrustedClientOverPlainHttpIsRefusedWithoutCredentials() throws Exception {
        RunningAdmin admin = start(false, List.of("10.0.0.0/8"), 5);

        HttpResponse<String> r = get(RunningAdmin.client(null), admin, "/metrics", null);

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("\"error\":\"https_required\"");
        assertThat(r.headers().firstValue("WWW-Authenticate")).isEmpty();
    }

    @Test
    void anUntrustedClientOverPlainHttpIsRefusedEvenWithGoodCredentialsWhichAreNeverChecked() throws Exception {
        RunningAdmin admin = start(false, List.of("10.0.0.0/8"), 5);

        HttpResponse<String> r = get(
                RunningAdmin.client(null),
                admin,
                "/api/v1/queue/summary",
                RunningAdmin.basic("admin@example.org", "right horse battery"));

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("\"error\":\"https_required\"");
        assertThat(users.checks).as("the password is not even looked at").isEmpty();
    }

    @Test
    void overHttpsAnUntrustedClientWithoutCredentialsIsAskedForThem() throws Exception {
        RunningAdmin admin = start(true, List.of("10.0.0.0/8"), 5);

        HttpResponse<String> r = get(httpsClient(), admin, "/api/v1/queue/summary", null);

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).get().asString().startsWith("Basic realm=\"karavel\"");
        assertThat(r.body()).contains("\"error\":\"unauthorized\"");
    }

    @Test
    void overHttpsAnAdminIsAcceptedOnAWorkerThreadAndAWrongPasswordIsNot() throws Exception {
        RunningAdmin admin = start(true, List.of("10.0.0.0/8"), 5);
        HttpClient client = httpsClient();

        HttpResponse<String> good = get(
                client, admin, "/api/v1/queue/summary", RunningAdmin.basic("admin@example.org", "right horse battery"));
        HttpResponse<String> bad =
                get(client, admin, "/api/v1/queue/summary", RunningAdmin.basic("admin@example.org", "wrong"));

        assertThat(good.statusCode()).isEqualTo(200);
        assertThat(good.sslSession()).get().extracting(SSLSession::getProtocol).isIn("TLSv1.3", "TLSv1.2");
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(bad.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(users.threads)
                .as("password checks run on the worker pool")
                .allMatch(t -> t.startsWith("karavel-admin-"));
        assertThat(admin.metrics.authFailures.get()).isEqualTo(1);
    }

    @Test
    void aValidUserWithoutTheAdminRoleIsForbidden() throws Exception {
        RunningAdmin admin = start(true, List.of("10.0.0.0/8"), 5);

        HttpResponse<String> r =
                get(httpsClient(), admin, "/api/v1/config", RunningAdmin.basic("clerk@example.org", "clerk secret"));

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("\"error\":\"forbidden\"").contains("admin role");
        assertThat(admin.metrics.authFailures.get())
                .as("the password was right")
                .isZero();
    }

    @Test
    void tooManyFailedLoginsAreAnsweredWith429AndRetryAfterEvenForTheRightPassword() throws Exception {
        RunningAdmin admin = start(true, List.of("10.0.0.0/8"), 2);
        HttpClient client = httpsClient();

        assertThat(get(client, admin, "/health", RunningAdmin.basic("admin@example.org", "guess 1"))
                        .statusCode())
                .isEqualTo(401);
        assertThat(get(client, admin, "/health", RunningAdmin.basic("nobody@example.org", "guess 2"))
                        .statusCode())
                .isEqualTo(401);
        int checksBefore = users.checks.size();
        HttpResponse<String> throttled =
                get(client, admin, "/health", RunningAdmin.basic("admin@example.org", "right horse battery"));

        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.body()).contains("\"error\":\"too_many_failures\"");
        assertThat(throttled.headers().firstValue("Retry-After"))
                .get()
                .satisfies(v -> assertThat(Integer.parseInt(v)).isBetween(1, 300));
        assertThat(users.checks).as("no password check while throttled").hasSize(checksBefore);
        assertThat(admin.metrics.authThrottled.get()).isEqualTo(1);
    }

    @Test
    void aMalformedAuthorizationHeaderCountsAsAFailure() throws Exception {
        RunningAdmin admin = start(true, List.of("10.0.0.0/8"), 5);

        HttpResponse<String> r = get(httpsClient(), admin, "/health", "Basic ###not-base64###");

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(admin.metrics.authFailures.get()).isEqualTo(1);
        assertThat(users.checks).isEmpty();
    }

    @Test
    void withoutTheAuthBundleAnUntrustedClientGets503() throws Exception {
        RunningAdmin admin = start(true, List.of("10.0.0.0/8"), 5);
        admin.services.users = null;

        HttpResponse<String> r =
                get(httpsClient(), admin, "/health", RunningAdmin.basic("admin@example.org", "right horse battery"));

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("auth_unavailable");
    }

    @Test
    void aRenewedCertificateIsServedOnTheNextConnection() throws Exception {
        RunningAdmin admin = start(true, List.of("127.0.0.0/8"), 5);
        TestCertificates.Server renewed = TestCertificates.selfSigned("renewed.test.example");
        HttpClient both =
                RunningAdmin.client(TestCertificates.trusting(certificate.certificate(), renewed.certificate()));

        HttpResponse<String> before = get(both, admin, "/api/v1/queue/summary", null);
        admin.tlsContext = renewed.context();
        HttpResponse<String> after = get(
                RunningAdmin.client(TestCertificates.trusting(certificate.certificate(), renewed.certificate())),
                admin,
                "/api/v1/queue/summary",
                null);

        assertThat(peer(before)).isEqualTo(certificate.certificate());
        assertThat(peer(after)).isEqualTo(renewed.certificate());
        assertThat(after.statusCode()).isEqualTo(200);
    }

    @Test
    void withoutTheTlsServiceTheHandshakeFailsAndNothingIsServedInClear() throws Exception {
        RunningAdmin admin = start(true, List.of("127.0.0.0/8"), 5);
        admin.services.serverTls = null;

        assertThatThrownBy(() -> get(httpsClient(), admin, "/health", null))
                .isInstanceOfAny(SSLHandshakeException.class, IOException.class);
        assertThat(new String(plainHttpExchange(admin.server.port()), StandardCharsets.ISO_8859_1))
                .as("what a plain HTTP request to the TLS port got back before the server closed")
                .doesNotContain("HTTP/");

        // once the tls bundle is back, the same listener serves again
        admin.services.serverTls = () -> admin.tlsContext;
        assertThat(get(httpsClient(), admin, "/api/v1/queue/summary", null).statusCode())
                .isEqualTo(200);
    }

    @Test
    void aPlainHttpRequestToTheTlsPortGetsNoHttpResponse() throws Exception {
        RunningAdmin admin = start(true, List.of("127.0.0.0/8"), 5);

        assertThat(new String(plainHttpExchange(admin.server.port()), StandardCharsets.ISO_8859_1))
                .doesNotContain("HTTP/");
        assertThat(get(httpsClient(), admin, "/api/v1/queue/summary", null).statusCode())
                .as("the same port over TLS")
                .isEqualTo(200);
    }

    /**
     * Connects (the listener is up: the connection is accepted), sends a plain HTTP request from a
     * trusted address and returns every byte that came back until the server closed the connection.
     * A server that leaves the request unanswered and open fails the test with a read timeout.
     */
    private static byte[] plainHttpExchange(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("GET /api/v1/queue/summary HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    got.write(buffer, 0, n);
                }
            } catch (SocketException reset) {
                // a reset closes it too (a read timeout is no SocketException: it fails the test)
            }
            return got.toByteArray();
        }
    }

    @Test
    void aBodyOverMaxRequestBytesIsRefusedWith413() throws Exception {
        RunningAdmin admin = new RunningAdmin(false, List.of("127.0.0.0/8"), Set.of(), 5, 1000);
        running.add(admin);
        admin.services.spool = new MemorySpool().commitOnSpoolThread();

        HttpResponse<String> r = admin.post(
                "/api/v1/messages",
                "{\"from\":\"a@b.example\",\"to\":[\"c@d.example\"]," + "\"subject\":\"big\",\"text\":\""
                        + "x".repeat(2000) + "\"}");

        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("\"error\":\"too_large\"");
    }

    private static X509Certificate peer(HttpResponse<String> r) throws Exception {
        return (X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0];
    }
}
