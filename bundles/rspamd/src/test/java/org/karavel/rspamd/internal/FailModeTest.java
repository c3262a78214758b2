package org.karavel.rspamd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.rspamd.internal.RspamdScanTest.header;
import static org.karavel.rspamd.internal.RspamdScanTest.message;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterMessage;
import org.karavel.testkit.FilterSession;
import org.karavel.testkit.LogCapture;

/**
 * What the filter sends, and what it does when the peer is not a working Rspamd: a port nobody
 * listens on, a peer that never answers, one that answers something else than Rspamd's JSON. Real
 * loopback sockets and the JDK's HTTP server stand in for Rspamd.
 */
class FailModeTest {
    private final List<AutoCloseable> peers = new CopyOnWriteArrayList<>();

    @AfterEach
    void closePeers() throws Exception {
        for (AutoCloseable p : peers) {
            p.close();
        }
    }

    @Test
    void theRequestCarriesTheEnvelopeAndTheConnectionAndStreamsTheMessage() throws Exception {
        Map<String, List<String>> seen = new ConcurrentHashMap<>();
        AtomicReference<byte[]> body = new AtomicReference<>();
        AtomicReference<String> path = new AtomicReference<>();
        String url = answering(
                200,
                "{\"action\":\"no action\",\"score\":-0.5,\"required_score\":15,"
                        + "\"symbols\":{\"B\":{\"score\":0.25},\"A\":{\"score\":-0.75}}}",
                exchange -> {
                    seen.putAll(exchange.getRequestHeaders());
                    path.set(exchange.getRequestURI().getPath());
                    body.set(exchange.getRequestBody().readAllBytes());
                });
        RspamdComponent c = component(Map.of(
                "url",
                url + "/rspamd",
                "password",
                "s3cret",
                "listeners",
                new String[] {"mx, submission"},
                "settings_ids",
                new String[] {"submission=outbound"}));
        FilterSession session = FilterSession.from("2001:db8::7")
                .listener("submission")
                .ehlo("laptop.example")
                .reverseName("host.example")
                .user("alice")
                .tls("TLSv1.3", "TLS_AES_256_GCM_SHA384")
                .sessionId("s42");
        FilterEnvelope envelope = new FilterEnvelope(
                MailAddress.parse("alice@example.org"),
                List.of(
                        MailAddress.parse("bob@example.net"),
                        MailAddress.parse("carol@example.com"),
                        MailAddress.parse("josé@bücher.example", true)),
                Map.of());
        FilterMessage m = message("Hello", "Hello Bob");

        Verdict v = c.endOfMessage(session, envelope, m).toCompletableFuture().get(20, TimeUnit.SECONDS);

        assertThat(path.get()).isEqualTo("/rspamd/checkv2");
        assertThat(seen.get("Ip")).containsExactly("2001:db8:0:0:0:0:0:7");
        assertThat(seen.get("Helo")).containsExactly("laptop.example");
        assertThat(seen.get("Hostname")).containsExactly("host.example");
        assertThat(seen.get("From")).containsExactly("alice@example.org");
        assertThat(seen.get("Rcpt"))
                .containsExactly("bob@example.net", "carol@example.com", "jos?@xn--bcher-kva.example");
        assertThat(seen.get("User")).containsExactly("alice");
        assertThat(seen.get("Tls-version")).containsExactly("TLSv1.3");
        assertThat(seen.get("Tls-cipher")).containsExactly("TLS_AES_256_GCM_SHA384");
        assertThat(seen.get("Settings-id")).containsExactly("outbound");
        assertThat(seen.get("Password")).containsExactly("s3cret");
        assertThat(body.get()).isEqualTo(m.content());
        assertThat(header(v, SpamHeaders.RESULT)).isEqualTo("default: False [-0.50 / 15.00]; B(0.25); A(-0.75)");
    }

    @Test
    void theNullSenderIsSentAsAngleBrackets() throws Exception {
        Map<String, List<String>> seen = new ConcurrentHashMap<>();
        String url = answering(200, "{\"action\":\"no action\",\"score\":0}", e -> seen.putAll(e.getRequestHeaders()));
        RspamdComponent c = component(Map.of("url", url));

        c.endOfMessage(FilterSession.from("192.0.2.1"), FilterEnvelope.from(""), message("Bounce", "Undeliverable"))
                .toCompletableFuture()
                .get(20, TimeUnit.SECONDS);

        assertThat(seen.get("From")).containsExactly("<>");
    }

    @Test
    void aPeerThatNeverAnswersIsATimeout() throws Exception {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<Socket> held = new CopyOnWriteArrayList<>();
        peers.add(silent);
        peers.add(() -> held.forEach(s -> {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }));
        CompletableFuture.runAsync(() -> {
            try {
                while (!silent.isClosed()) {
                    held.add(silent.accept());
                }
            } catch (IOException e) {
                // closed by the test
            }
        });
        String url = "http://127.0.0.1:" + silent.getLocalPort();
        RspamdComponent open = component(Map.of("url", url, "timeout_millis", 300L));
        RspamdComponent closed = component(Map.of("url", url, "timeout_millis", 300L, "fail_mode", "closed"));

        assertThat(header(scan(open), SpamHeaders.STATUS)).isEqualTo("unscanned (rspamd timeout)");
        assertThat(scan(closed).toString()).isEqualTo("451 4.7.1 Content scanner unavailable, try again later");
        assertThat(open.counters().failures("timeout")).isEqualTo(1);
        assertThat(closed.counters().failures("timeout")).isEqualTo(1);
    }

    @Test
    void anAnswerThatIsNotRspamdsIsGarbage() throws Exception {
        RspamdComponent notJson = component(Map.of("url", answering(200, "<html>hello</html>", e -> {})));
        RspamdComponent noAction = component(Map.of("url", answering(200, "{\"score\":1}", e -> {})));
        RspamdComponent error = component(Map.of("url", answering(500, "{\"error\":\"oops\"}", e -> {})));
        RspamdComponent notHttp = component(Map.of("url", rawPeer("hello\r\n")));

        assertThat(header(scan(notJson), SpamHeaders.STATUS)).isEqualTo("unscanned (rspamd garbage)");
        assertThat(header(scan(noAction), SpamHeaders.STATUS)).isEqualTo("unscanned (rspamd garbage)");
        assertThat(header(scan(error), SpamHeaders.STATUS)).isEqualTo("unscanned (rspamd status)");
        assertThat(header(scan(notHttp), SpamHeaders.STATUS)).startsWith("unscanned (rspamd ");
        assertThat(notHttp.counters().failures()).isEqualTo(1);
    }

    @Test
    void failuresWarnAtMostOnceAMinute() throws Exception {
        RspamdComponent c = component(Map.of("url", "http://127.0.0.1:" + closedPort()));
        try (LogCapture log = new LogCapture()) {
            for (int i = 0; i < 3; i++) {
                scan(c);
            }
            assertThat(log.text().lines().filter(l -> l.contains("WARN") && l.contains("did not scan")))
                    .hasSize(1);
        }
        assertThat(c.counters().failures("unreachable")).isEqualTo(3);
        assertThat(c.counters().failureWarnings()).isEqualTo(1);
    }

    @Test
    void relayClientsAreExemptUnlessAsked() throws Exception {
        AtomicReference<Integer> asked = new AtomicReference<>(0);
        String url = answering(200, "{\"action\":\"reject\",\"score\":99}", e -> asked.updateAndGet(n -> n + 1));
        RspamdComponent exempting = component(Map.of("url", url));
        RspamdComponent scanning = component(Map.of("url", url, "scan_relay_clients", true));
        FilterSession relayHost = FilterSession.from("127.0.0.1").relayClient();
        FilterEnvelope envelope = new FilterEnvelope(
                MailAddress.parse("app@example.org"), List.of(MailAddress.parse("x@example.net")), Map.of());

        Verdict passed = exempting
                .endOfMessage(relayHost, envelope, message("Hi", "Hi"))
                .toCompletableFuture()
                .get(20, TimeUnit.SECONDS);
        Verdict refused = scanning.endOfMessage(relayHost, envelope, message("Hi", "Hi"))
                .toCompletableFuture()
                .get(20, TimeUnit.SECONDS);

        assertThat(passed).isSameAs(Verdict.noOpinion());
        assertThat(refused.code()).isEqualTo(554);
        assertThat(asked.get()).isEqualTo(1);
    }

    @Test
    void aMessageOverMaxSizeIsNotSent() throws Exception {
        Map<String, List<String>> seen = new ConcurrentHashMap<>();
        String url = answering(200, "{\"action\":\"reject\",\"score\":99}", e -> seen.putAll(e.getRequestHeaders()));
        RspamdComponent c = component(Map.of("url", url, "max_size", 100L));

        Verdict v = scan(c);

        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(header(v, SpamHeaders.STATUS)).isEqualTo("unscanned (larger than max_size)");
        assertThat(seen).isEmpty();
        assertThat(c.counters().unscannedCount("too_large")).isEqualTo(1);
    }

    @Test
    void theServiceShowsItsTimeLimitAndNeverThePassword() {
        RspamdSettings s = RspamdSettings.from(Configs.rspamd(Map.of("password", "s3cret", "timeout_millis", 2000L)));

        var p = RspamdComponent.serviceProperties(s);

        assertThat(p.get("karavel.filter.name")).isEqualTo("rspamd");
        assertThat(p.get("karavel.filter.timeout.ms")).isEqualTo(7000L);
        assertThat(p.get("service.ranking")).isEqualTo(40);
        assertThat(java.util.Collections.list(p.elements()).toString()).doesNotContain("s3cret");
        assertThat(s.toString()).doesNotContain("s3cret");
    }

    private static Verdict scan(RspamdComponent c) throws Exception {
        return RspamdScanTest.scan(c, "mx", "someone@sender.test", message("Hello", "Hello there, a long enough body"));
    }

    private static RspamdComponent component(Map<String, Object> config) {
        return new RspamdComponent(Configs.rspamd(config));
    }

    interface Exchange {
        void seen(com.sun.net.httpserver.HttpExchange exchange) throws IOException;
    }

    private String answering(int status, String json, Exchange seen) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            seen.seen(exchange);
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        peers.add(() -> server.stop(0));
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A peer that reads a little and answers with these bytes, then closes: not HTTP at all. */
    private String rawPeer(String answer) throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        peers.add(s);
        CompletableFuture.runAsync(() -> {
            while (!s.isClosed()) {
                try (Socket c = s.accept()) {
                    c.getInputStream().read(new byte[512]);
                    c.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return "http://127.0.0.1:" + s.getLocalPort();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
