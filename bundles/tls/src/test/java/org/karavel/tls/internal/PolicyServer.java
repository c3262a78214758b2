package org.karavel.tls.internal;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/** An HTTPS server on 127.0.0.1 serving an MTA-STS policy (or whatever a test sets), and taking POSTs. */
final class PolicyServer implements AutoCloseable {
    private final HttpsServer server;
    volatile int status = 200;
    volatile String contentType = "text/plain; charset=utf-8";
    volatile String body = "";
    volatile String location = null;
    final AtomicInteger requests = new AtomicInteger();
    final List<byte[]> posted = new CopyOnWriteArrayList<>();
    final List<String> postedTypes = new CopyOnWriteArrayList<>();
    final List<String> paths = new CopyOnWriteArrayList<>();

    PolicyServer(SSLContext context) throws IOException {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 10);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            paths.add(exchange.getRequestURI().toString() + " Host="
                    + exchange.getRequestHeaders().getFirst("Host"));
            if (exchange.getRequestMethod().equals("POST")) {
                posted.add(exchange.getRequestBody().readAllBytes());
                postedTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            if (location != null) {
                exchange.getResponseHeaders().set("Location", location);
            }
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
            exchange.close();
        });
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
