package org.karavel.smtp.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.karavel.testkit.FailingHandshake;
import org.karavel.testkit.MemorySpool;

/**
 * Every accepted connection is counted once and released once, however it ends: failed TLS
 * handshakes of every kind (implicit TLS and after STARTTLS), resets, closes mid-handshake.
 */
class ConnectionAccountingTest {
    private static final String HOST = "mx.test.example";
    private static final int STORM = 50;
    private static final int PER_CLIENT = 5;
    private static TestCertificate certificate;

    private final MemorySpool spool = new MemorySpool();
    private final List<SmtpTestClient> clients = new ArrayList<>();
    private SmtpListener listener;

    @BeforeAll
    static void makeCertificate() {
        certificate = TestCertificate.create(HOST);
    }

    @AfterEach
    void tearDown() {
        SmtpTestDialogue.hangUp(clients, listener, spool);
    }

    private final SmtpCounters counters = new SmtpCounters();

    private void start(ListenerSettings.Tls tls) throws IOException {
        start(tls, 300);
    }

    private void start(ListenerSettings.Tls tls, int timeoutSeconds) throws IOException {
        ListenerSettings settings = ListenerSettings.builder(HOST)
                .name("test")
                .address("127.0.0.1")
                .port(0)
                .tls(tls)
                .maxConnectionsPerIp(PER_CLIENT)
                .commandTimeoutSeconds(timeoutSeconds)
                .dataTimeoutSeconds(timeoutSeconds)
                .build();
        listener = new SmtpListener(
                settings,
                () -> spool,
                new FilterChain(),
                new MailLog(s -> {}),
                certificate::service,
                () -> null,
                new org.karavel.api.auth.LoginFailures(),
                counters);
        listener.start();
    }

    @Test
    void failedImplicitTlsHandshakesLeaveNothingCounted() throws Exception {
        start(ListenerSettings.Tls.IMPLICIT);
        for (FailingHandshake kind : FailingHandshake.values()) {
            for (int i = 0; i < STORM; i++) {
                try (Socket s = connect()) {
                    kind.play(s);
                }
            }
            awaitNothingCounted(kind);
        }
        assertThat(handshakeFailures())
                .as("each failed handshake counted once")
                .isBetween((double) 2 * STORM, (double) 4 * STORM);
        assertServedWithImplicitTls();
    }

    @Test
    void failedHandshakesAfterStartTlsLeaveNothingCounted() throws Exception {
        start(ListenerSettings.Tls.STARTTLS);
        for (FailingHandshake kind : FailingHandshake.values()) {
            for (int i = 0; i < STORM; i++) {
                try (Socket s = connect()) {
                    startTls(s);
                    kind.play(s);
                }
            }
            awaitNothingCounted(kind);
        }
        SmtpTestClient c = new SmtpTestClient(listener.localAddress());
        clients.add(c);
        assertThat(c.reply()).startsWith("220 " + HOST);
        assertThat(c.command("EHLO client.example")).contains("STARTTLS");
        assertThat(c.command("STARTTLS")).startsWith("220 ");
        c.startTls(certificate.client);
        assertThat(c.command("EHLO client.example")).startsWith("250-" + HOST);
    }

    @Test
    void aClientSilentInTheHandshakeIsCutAtTheTimeoutAndReleased() throws Exception {
        start(ListenerSettings.Tls.IMPLICIT, 1);
        List<Socket> silent = new ArrayList<>();
        for (int i = 0; i < PER_CLIENT; i++) {
            silent.add(connect());
        }
        await().atMost(5, SECONDS).until(() -> listener.connectionCount() == PER_CLIENT);
        for (Socket s : silent) {
            drain(s); // the server closes it
            s.close();
        }
        awaitNothingCounted("silent");
        assertServedWithImplicitTls();
    }

    @Test
    void stoppingTheListenerReleasesConnectionsCaughtMidHandshake() throws Exception {
        start(ListenerSettings.Tls.IMPLICIT);
        List<Socket> halfway = new ArrayList<>();
        for (int i = 0; i < PER_CLIENT; i++) {
            Socket s = connect();
            s.getOutputStream().write(FailingHandshake.clientHello());
            s.getInputStream().read();
            halfway.add(s);
        }
        await().atMost(5, SECONDS).until(() -> listener.connectionCount() == PER_CLIENT);
        listener.stop();
        assertThat(listener.connectionCount()).isZero();
        assertThat(listener.clientNetworks()).isZero();
        assertThat(gauge()).isEmpty(); // a stopped listener is no longer in the gauge
        listener = null;
        for (Socket s : halfway) {
            s.close();
        }
    }

    private void awaitNothingCounted(Object after) throws Exception {
        InetAddress client = InetAddress.getByName("127.0.0.1");
        await().alias("nothing counted after " + after)
                .atMost(10, SECONDS)
                .until(() -> listener.connectionCount() == 0
                        && listener.connectionsFrom(client) == 0
                        && listener.clientNetworks() == 0
                        && gauge().equals(List.of(0.0)));
    }

    /** A new connection from the same address gets the greeting through a real handshake. */
    private void assertServedWithImplicitTls() throws IOException {
        SmtpTestClient c = new SmtpTestClient(certificate.client.createSocket(
                "127.0.0.1", listener.localAddress().getPort()));
        clients.add(c);
        assertThat(c.reply()).startsWith("220 " + HOST);
        assertThat(c.command("EHLO client.example")).startsWith("250-" + HOST);
    }

    /** The samples of karavel_smtp_connections. */
    private List<Double> gauge() {
        return counters.metrics().stream()
                .filter(m -> m.name().equals("karavel_smtp_connections"))
                .flatMap(m -> m.samples().stream())
                .map(x -> x.value())
                .toList();
    }

    private double handshakeFailures() {
        return counters.metrics().stream()
                .filter(m -> m.name().equals("karavel_smtp_tls_handshake_failures_total"))
                .flatMap(m -> m.samples().stream())
                .mapToDouble(x -> x.value())
                .sum();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", listener.localAddress().getPort()), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    private static void startTls(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        readLine(in); // greeting
        s.getOutputStream().write("EHLO client.example\r\n".getBytes(StandardCharsets.US_ASCII));
        String line;
        do {
            line = readLine(in);
        } while (line.charAt(3) == '-');
        s.getOutputStream().write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(readLine(in)).startsWith("220 ");
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            b.append((char) c);
        }
        return b.toString().strip();
    }

    private static void drain(Socket s) {
        try {
            InputStream in = s.getInputStream();
            byte[] b = new byte[4096];
            while (in.read(b) >= 0) {
                // until the server closes
            }
        } catch (IOException e) {
            // reset: also closed
        }
    }
}
