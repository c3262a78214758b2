package org.karavel.admin.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.karavel.api.tls.ServerTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening side: the JDK's HttpServer (or HttpsServer) on the configured address, handing
 * every exchange to a small pool of worker threads, so that a slow password check or spool commit
 * never holds up the server's dispatcher thread.
 */
final class AdminServer {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final int STOP_SECONDS = 2;

    /**
     * On every answer, API and console alike: only this listener's own scripts and styles (no inline
     * code, so no injected markup can run), no framing, no Referer to elsewhere, no type sniffing.
     */
    static final Map<String, String> SECURITY_HEADERS = Map.of(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                    + "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                    + "frame-ancestors 'none'",
            "X-Content-Type-Options",
            "nosniff",
            "Referrer-Policy",
            "no-referrer",
            "X-Frame-Options",
            "DENY",
            "Cross-Origin-Opener-Policy",
            "same-origin",
            "Cross-Origin-Resource-Policy",
            "same-origin");
    /** Two years, as browsers' preload lists ask; sent over HTTPS only (RFC 6797 8.1). */
    /** Sent by the console's scripts with every API request (see quietChallenge). */
    static final String CONSOLE_HEADER = "X-Karavel-Console";

    static final String HSTS = "max-age=63072000; includeSubDomains";

    private final AdminSettings settings;
    private final AdminAccess access;
    private final AdminApi api;
    private final AdminCounters metrics;
    private final Supplier<ServerTls> tls;
    private final BrowserGuard guard;
    private final ConsoleFiles console = new ConsoleFiles(AdminServer.class.getClassLoader());
    private HttpServer server;
    private ExecutorService workers;

    AdminServer(
            AdminSettings settings, AdminAccess access, AdminApi api, AdminCounters metrics, Supplier<ServerTls> tls) {
        this.settings = settings;
        this.access = access;
        this.api = api;
        this.metrics = metrics;
        this.tls = tls;
        this.guard = new BrowserGuard(settings);
    }

    synchronized void start() throws IOException {
        access.prepare();
        InetSocketAddress bind = new InetSocketAddress(InetAddress.getByName(settings.address()), settings.port());
        HttpServer s;
        if (settings.tls()) {
            HttpsServer https = HttpsServer.create(bind, 50);
            https.setHttpsConfigurator(new HttpsConfigurator(new CurrentServerTls(tls)) {
                @Override
                public void configure(HttpsParameters params) {
                    params.setSSLParameters(CurrentServerTls.parameters(CurrentServerTls.snapshot(tls)));
                }
            });
            s = https;
        } else {
            s = HttpServer.create(bind, 50);
        }
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "karavel-admin-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        // a fixed number of threads; the queue holds connections waiting for one (the server never rejects)
        workers = new ThreadPoolExecutor(
                settings.threads(), settings.threads(), 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads);
        s.setExecutor(workers);
        s.createContext("/", this::exchange);
        s.start();
        server = s;
        LOG.info(
                "admin API listening on {}://{}:{} (trusted: {}; admin users: {}; server names: {}; token: {})",
                settings.tls() ? "https" : "http",
                settings.address(),
                port(),
                settings.trustedHosts(),
                settings.adminUsers().size(),
                settings.serverNames(),
                settings.tokenFile() == null ? "none" : settings.tokenFile());
        if (settings.tls() && tls.get() == null) {
            LOG.warn(
                    "admin API: tls = true but the tls bundle's ServerTls service is absent: handshakes fail until it is back");
        }
    }

    /** The bound port (the real one when the configuration said 0). */
    synchronized int port() {
        return server == null ? -1 : server.getAddress().getPort();
    }

    synchronized void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        if (workers != null) {
            workers.shutdown();
            try {
                if (!workers.awaitTermination(STOP_SECONDS, TimeUnit.SECONDS)) {
                    workers.shutdownNow();
                }
            } catch (InterruptedException e) {
                workers.shutdownNow();
                Thread.currentThread().interrupt();
            }
            workers = null;
        }
    }

    private void exchange(HttpExchange ex) {
        InetAddress client = ex.getRemoteAddress().getAddress();
        boolean https = ex instanceof HttpsExchange;
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        AdminResponse response;
        String user = "";
        try {
            var headers = ex.getRequestHeaders();
            // before credentials are looked at: a web page's request is refused whoever's browser sent it
            guard.check(
                    method,
                    ex.getRequestURI(),
                    headers.get("Host"),
                    headers.getFirst("Origin"),
                    headers.getFirst("Sec-Fetch-Site"),
                    headers.getFirst("Content-Type"));
            if (ConsoleFiles.isConsole(path)) {
                // the page's own files: no data in them, so no credentials; never over clear text off the box
                ConsoleFiles.checkTransport(client, https);
                response = console.answer(method, path);
            } else {
                AdminAccess.Admission admission = access.admit(
                        client, https, headers.getFirst("Authorization"), BrowserGuard.changesState(method));
                user = admission.user();
                byte[] body = body(ex, path);
                response = api.handle(new AdminRequest(
                        method,
                        path,
                        AdminRequest.parseQuery(ex.getRequestURI().getRawQuery()),
                        body,
                        client,
                        https,
                        user));
            }
        } catch (ApiError e) {
            response = api.error(e);
        } catch (RuntimeException | IOException e) {
            LOG.warn("admin API: {} {} from [{}] failed", method, path, client.getHostAddress(), e);
            response = api.error(new ApiError(500, "internal_error", "the request failed: " + e));
        }
        if (ex.getRequestHeaders().containsKey(CONSOLE_HEADER)) {
            response = quietChallenge(response);
        }
        metrics.request(response.status());
        if (!method.equals("GET") || response.status() >= 400) {
            LOG.info(
                    "admin API: {} {} from [{}]{} -> {}",
                    method,
                    path,
                    client.getHostAddress(),
                    user.isEmpty() ? "" : " user=" + user,
                    response.status());
        }
        try {
            send(ex, response, https);
        } catch (IOException e) {
            LOG.debug("admin API: cannot answer [{}]: {}", client.getHostAddress(), e.toString());
        } finally {
            ex.close();
        }
    }

    /** The request body, at most max_request_bytes (413 beyond, told by Content-Length or found while reading). */
    private byte[] body(HttpExchange ex, String path) throws IOException {
        long max = settings.maxRequestBytes(path);
        String key = AdminSettings.maxRequestBytesKey(path);
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > max) {
                    throw tooLarge(key, max);
                }
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("bad Content-Length");
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, max));
            if (in.read() >= 0) {
                throw tooLarge(key, max);
            }
            return data;
        }
    }

    /**
     * The console's own login form asks for credentials: a {@code Basic} challenge to its requests
     * would make the browser pop up its own dialog as well, so they get it under another name.
     */
    private static AdminResponse quietChallenge(AdminResponse r) {
        String challenge = r.headers().get("WWW-Authenticate");
        if (challenge == null || !challenge.startsWith("Basic ")) {
            return r;
        }
        Map<String, String> headers = new HashMap<>(r.headers());
        headers.put("WWW-Authenticate", "Karavel-" + challenge);
        return new AdminResponse(r.status(), r.contentType(), r.body(), headers);
    }

    private static ApiError tooLarge(String key, long max) {
        return new ApiError(413, "too_large", "body: larger than " + key + " (" + max + " octets)");
    }

    private static void send(HttpExchange ex, AdminResponse r, boolean https) throws IOException {
        var headers = ex.getResponseHeaders();
        headers.set("Content-Type", r.contentType());
        headers.set("Cache-Control", "no-store");
        SECURITY_HEADERS.forEach(headers::set);
        if (https) {
            headers.set("Strict-Transport-Security", HSTS);
        }
        for (Map.Entry<String, String> h : r.headers().entrySet()) {
            headers.set(h.getKey(), h.getValue());
        }
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(r.status(), head || r.body().length == 0 ? -1 : r.body().length);
        if (!head && r.body().length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(r.body());
            }
        }
    }
}
