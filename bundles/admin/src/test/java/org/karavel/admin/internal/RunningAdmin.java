package org.karavel.admin.internal;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.karavel.api.auth.LoginFailures;
import org.karavel.api.net.CidrBlock;
import org.karavel.api.tls.ServerTls;
import org.karavel.api.tls.ServerTlsContext;

/** An admin server on 127.0.0.1, a free port, with test services, and a JDK HttpClient to call it. */
final class RunningAdmin implements AutoCloseable {
    final AdminSettings settings;
    final AdminServices services = new AdminServices();
    final AdminCounters metrics = new AdminCounters();
    final LoginFailures failures = new LoginFailures();
    final List<String> mailLog = new CopyOnWriteArrayList<>();
    final AdminServer server;
    volatile ServerTlsContext tlsContext;

    RunningAdmin(boolean tls, List<String> trusted, Set<String> admins, int maxFailures, long maxBytes)
            throws Exception {
        this(tls, trusted, admins, maxFailures, maxBytes, Set.of(), null);
    }

    RunningAdmin(
            boolean tls,
            List<String> trusted,
            Set<String> admins,
            int maxFailures,
            long maxBytes,
            Set<String> serverNames,
            Path tokenFile)
            throws Exception {
        List<CidrBlock> blocks = new ArrayList<>();
        trusted.forEach(t -> blocks.add(CidrBlock.parse(t)));
        settings = new AdminSettings(
                true,
                "127.0.0.1",
                0,
                tls,
                blocks,
                admins,
                maxFailures,
                300,
                maxBytes,
                2,
                "admin.test.example",
                serverNames,
                tokenFile);
        ServerTls serverTls = () -> tlsContext;
        services.serverTls = serverTls;
        server = AdminComponent.assemble(settings, services, metrics, failures, new MailLog(mailLog::add));
        server.start();
    }

    /** A server with these settings (e.g. other injection limits). */
    RunningAdmin(AdminSettings settings) throws Exception {
        this.settings = settings;
        ServerTls serverTls = () -> tlsContext;
        services.serverTls = serverTls;
        server = AdminComponent.assemble(settings, services, metrics, failures, new MailLog(mailLog::add));
        server.start();
    }

    /** Trusted loopback, plain HTTP, as the shipped configuration has it. */
    static RunningAdmin trustedHttp() throws Exception {
        return new RunningAdmin(false, List.of("127.0.0.0/8", "::1"), Set.of(), 5, 1 << 20);
    }

    URI uri(String path) {
        return URI.create((settings.tls() ? "https" : "http") + "://127.0.0.1:" + server.port() + path);
    }

    static HttpClient client(SSLContext ssl) {
        HttpClient.Builder b =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5));
        if (ssl != null) {
            b.sslContext(ssl);
        }
        return b.build();
    }

    static HttpResponse<String> send(HttpClient client, HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    HttpResponse<String> get(String path) throws Exception {
        return send(
                client(null),
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build());
    }

    HttpResponse<String> post(String path, String json) throws Exception {
        return send(
                client(null),
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(
                                json == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(json))
                        .build());
    }

    HttpResponse<String> delete(String path) throws Exception {
        return send(
                client(null),
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .DELETE()
                        .build());
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.stop();
    }
}
