package org.karavel.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.tls.internal.OutboundPki.Issued;

/**
 * The MTA-STS fetch has one deadline for the whole of it: a real HTTPS server on 127.0.0.1 that
 * answers "200 OK" and then trickles an endless header, one line every 100 ms (well within any
 * read timeout), is cut at the deadline, and the addresses of the policy host share that deadline.
 */
class MtaStsDeadlineTest {
    private static final String HOST = "mta-sts." + MtaStsTest.DOMAIN;

    private final ScheduledExecutorService trickle = Executors.newScheduledThreadPool(4);
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private SSLServerSocket server;
    private final StubResolver resolver = new StubResolver();
    private HttpsRequest https;

    @BeforeEach
    void start() throws Exception {
        Issued ca = OutboundPki.ca("STS Deadline CA");
        Issued host = OutboundPki.server(ca, HOST);
        server = (SSLServerSocket) OutboundPki.serverContext(host, ca.certificate())
                .getServerSocketFactory()
                .createServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread acceptor = new Thread(this::serve, "hostile-https");
        acceptor.setDaemon(true);
        acceptor.start();
        Path pem = Files.createTempFile("ca", ".pem");
        Files.writeString(pem, TestPki.pem(ca.certificate()));
        // each request alone may take 2 s
        https = new HttpsRequest(
                OutboundTlsComponent.verifyingContext(pem.toString()),
                Duration.ofSeconds(2),
                OutboundTlsComponent.MAX_POLICY_SIZE);
        Files.delete(pem);
    }

    /** Reads the request head, says 200 and never ends its header section. */
    private void serve() {
        while (!server.isClosed()) {
            try {
                SSLSocket s = (SSLSocket) server.accept();
                accepted.add(s);
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                for (String l = in.readLine(); l != null && !l.isEmpty(); l = in.readLine()) {
                    // the request head
                }
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                trickle.scheduleAtFixedRate(
                        () -> {
                            try {
                                out.write("X-Slow: still here\r\n".getBytes(StandardCharsets.US_ASCII));
                                out.flush();
                            } catch (IOException e) {
                                throw new IllegalStateException("client gone", e); // ends this task
                            }
                        },
                        100,
                        100,
                        TimeUnit.MILLISECONDS);
            } catch (IOException e) {
                // closed, or a client that went away
            }
        }
    }

    @AfterEach
    void stop() throws IOException {
        trickle.shutdownNow();
        server.close();
        for (Socket s : accepted) {
            s.close();
        }
    }

    @Test
    void aTricklingAnswerIsCutAtTheRequestDeadline() throws Exception {
        long start = System.nanoTime();
        assertThatThrownBy(() -> https.get(
                        InetAddress.getLoopbackAddress(), server.getLocalPort(), HOST, "/.well-known/mta-sts.txt"))
                .isInstanceOf(SocketTimeoutException.class)
                .hasMessageContaining("deadline");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        // 100 ms per line for ever, 8 KB per line and 100 fields allowed: only the deadline ends it
        assertThat(took).isBetween(Duration.ofMillis(1900), Duration.ofSeconds(5));
    }

    @Test
    void theAddressesOfThePolicyHostShareOneDeadline() throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        resolver.addresses.put(HOST, List.of(loopback, loopback, loopback));
        MtaSts.PolicyFetch fetch = MtaSts.overHttps(resolver, https, server.getLocalPort(), Duration.ofSeconds(2));

        long start = System.nanoTime();
        assertThatThrownBy(() -> fetch.fetch(MtaStsTest.DOMAIN)).isInstanceOf(SocketTimeoutException.class);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        // three addresses of 2 s each would take 6 s; the fetch as a whole has 2 s
        assertThat(took).isLessThan(Duration.ofMillis(4500));
        assertThat(accepted).hasSizeBetween(1, 2);
    }
}
