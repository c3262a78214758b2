package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.tls.TlsFailure;
import org.karavel.api.tls.TlsMode;
import org.karavel.api.tls.TlsOutcome;
import org.karavel.testkit.SmtpSink;
import org.karavel.testkit.TestCertificates;

/** STARTTLS to remote hosts under the outbound TLS policy, against a real TLS sink on loopback. */
class OutboundTlsDeliveryTest {
    private static TestCertificates ca;
    private DeliveryFixture f;
    private FakeOutboundTls policy;
    private SmtpSink sink;

    @BeforeAll
    static void authority() {
        ca = TestCertificates.authority("Karavel Test CA");
    }

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        policy = new FakeOutboundTls(TlsMode.OPPORTUNISTIC);
        policy.trustedCa = ca.certificate();
        f.outboundTls = policy;
        f.mx("remote.test", 10, "mx1.remote.test");
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        if (sink != null) {
            sink.close();
        }
    }

    private QueuedMessage queueOne() {
        return f.queue("sender@sender.test", List.of("rcpt@remote.test"), DeliveryFixture.message("tls", "body\r\n"));
    }

    @Test
    void verifiedStartTlsDeliversOverTlsAndSaysEhloAgain() throws Exception {
        sink = SmtpSink.startWithTls(ca.serverContext("mx1.remote.test"));
        QueuedMessage m = queueOne();

        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        assertThat(sink.messages()).hasSize(1);
        assertThat(sink.tlsProtocols()).containsExactly("TLSv1.3");
        // the sink forgets the EHLO name at STARTTLS: a name here means EHLO was sent again under TLS
        assertThat(sink.messages().get(0).helo()).isEqualTo(DeliveryFixture.HELO);
        // the test resolver vouches for nothing: the host is asked about as from an insecure MX answer (no DANE)
        assertThat(policy.hostsAsked).containsExactly("mx1.remote.test insecure");
        assertThat(policy.recorded).hasSize(1);
        assertThat(policy.recorded.get(0).getKey()).isEqualTo("remote.test");
        TlsOutcome outcome = policy.recorded.get(0).getValue();
        assertThat(outcome.success()).isTrue();
        assertThat(outcome.mxHost()).isEqualTo("mx1.remote.test");
        assertThat(outcome.receivingIp()).isEqualTo("127.0.0.1");
        assertThat(f.counters.tlsCount("verified")).isEqualTo(1);
        assertThat(f.counters.metrics(0, 0)).anySatisfy(metric -> {
            assertThat(metric.name()).isEqualTo("karavel_delivery_tls_total");
            assertThat(metric.samples()).anySatisfy(s -> {
                assertThat(s.labels()).containsEntry("result", "verified");
                assertThat(s.value()).isEqualTo(1.0);
            });
        });
    }

    @Test
    void untrustedCertificateUnderOpportunisticDefersWithoutSendingTheMessage() throws Exception {
        sink = SmtpSink.startWithTls(TestCertificates.selfSignedContext("mx1.remote.test"));
        QueuedMessage m = queueOne();

        f.start(f.settings(sink.port()).build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.recipients().get(0).isPending()).isTrue();
        assertThat(after.recipients().get(0).lastReply())
                .startsWith("451 4.7.5 ")
                .contains("certificate not trusted");
        assertThat(sink.tlsHandshakes()).isEqualTo(1);
        assertThat(sink.transactions()).isZero();
        assertThat(sink.messages()).isEmpty();
        assertThat(policy.recorded.get(0).getValue().failure()).contains(TlsFailure.CERTIFICATE_NOT_TRUSTED);
        assertThat(f.counters.tlsCount("failed")).isEqualTo(1);
    }

    @Test
    void opportunisticInsecureTakesAnyCertificate() throws Exception {
        policy.rules.put("remote.test", TlsMode.OPPORTUNISTIC_INSECURE);
        sink = SmtpSink.startWithTls(TestCertificates.selfSignedContext("someone.else.test"));
        QueuedMessage m = queueOne();

        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        assertThat(sink.tlsProtocols()).containsExactly("TLSv1.3");
        assertThat(f.counters.tlsCount("encrypted")).isEqualTo(1);
    }

    @Test
    void failedHandshakeUnderOpportunisticInsecureRetriesInClearText() throws Exception {
        policy.rules.put("remote.test", TlsMode.OPPORTUNISTIC_INSECURE);
        // a server context without any key: every handshake fails
        SSLContext keyless = SSLContext.getInstance("TLS");
        keyless.init(null, null, null);
        sink = SmtpSink.startWithTls(keyless);
        QueuedMessage m = queueOne();

        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        assertThat(sink.tlsFailures()).isEqualTo(1);
        assertThat(sink.connections()).isEqualTo(2);
        assertThat(sink.tlsProtocols()).containsExactly("");
        assertThat(f.counters.tlsCount("clear_after_failure")).isEqualTo(1);
    }

    @Test
    void failedHandshakeUnderOpportunisticDefers() throws Exception {
        SSLContext keyless = SSLContext.getInstance("TLS");
        keyless.init(null, null, null);
        sink = SmtpSink.startWithTls(keyless);
        QueuedMessage m = queueOne();

        f.start(f.settings(sink.port()).build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.recipients().get(0).lastReply())
                .startsWith("451 4.7.5 ")
                .contains("handshake");
        assertThat(sink.connections()).isEqualTo(1);
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    void repliesInjectedBeforeTheHandshakeAreRefused() throws Exception {
        // a man in the middle appends a reply to the 220 of STARTTLS, to be read as if it came under TLS
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> after = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(10_000);
                    BufferedReader in =
                            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    OutputStream out = s.getOutputStream();
                    out.write("220 mx1.remote.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                    in.readLine();
                    out.write("250-mx1.remote.test\r\n250 STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
                    in.readLine();
                    out.write("220 2.0.0 go ahead\r\n250 2.0.0 injected\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    String next = in.readLine();
                    return next == null ? "closed" : next;
                } catch (IOException e) {
                    return "closed";
                }
            });
            QueuedMessage m = queueOne();

            f.start(f.settings(server.getLocalPort()).build());

            QueuedMessage deferred = f.awaitAttempts(m.id(), 1);
            assertThat(deferred.recipients().get(0).lastReply())
                    .startsWith("451 4.7.5 ")
                    .contains("server sent data after its reply to STARTTLS");
            assertThat(after.get(10, TimeUnit.SECONDS)).isEqualTo("closed");
        }
    }

    @Test
    void requiredTlsWithoutStartTlsDefers() throws Exception {
        policy.rules.put("remote.test", TlsMode.REQUIRED);
        sink = SmtpSink.start();
        QueuedMessage m = queueOne();

        f.start(f.settings(sink.port()).build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.recipients().get(0).lastReply())
                .startsWith("451 4.7.5 ")
                .contains("STARTTLS not offered");
        assertThat(sink.transactions()).isZero();
        assertThat(policy.recorded.get(0).getValue().failure()).contains(TlsFailure.STARTTLS_NOT_SUPPORTED);
    }

    @Test
    void disabledNeverSendsStartTls() throws Exception {
        policy.rules.put("remote.test", TlsMode.DISABLED);
        sink = SmtpSink.startWithTls(ca.serverContext("mx1.remote.test"));
        QueuedMessage m = queueOne();

        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        assertThat(sink.tlsHandshakes()).isZero();
        assertThat(sink.tlsProtocols()).containsExactly("");
        assertThat(f.counters.tlsCount("clear")).isEqualTo(1);
    }

    @Test
    void anMxHostThePolicyRefusesIsNeverContacted() throws Exception {
        f.mx("remote.test", 20, "mx2.remote.test");
        policy.refusedHosts.add("mx1.remote.test");
        SmtpSink refused = SmtpSink.startWithTls(ca.serverContext("mx1.remote.test"));
        sink = SmtpSink.startWithTls(ca.serverContext("mx2.remote.test"));
        f.ports.put("mx1.remote.test", refused.port());
        f.ports.put("mx2.remote.test", sink.port());
        try (refused) {
            QueuedMessage m = queueOne();

            f.start(f.settings(sink.port()).build());

            f.awaitRemoved(m.id());
            assertThat(refused.connections()).isZero();
            assertThat(sink.tlsProtocols()).containsExactly("TLSv1.3");
            assertThat(policy.recorded)
                    .extracting(e -> e.getValue().mxHost())
                    .containsExactly("mx1.remote.test", "mx2.remote.test");
            assertThat(policy.recorded.get(0).getValue().failure()).isPresent();
            assertThat(f.counters.tlsCount("refused")).isEqualTo(1);
        }
    }

    @Test
    void withoutThePolicyServiceRemoteMailIsDeferredAndNothingConnects() throws Exception {
        f.outboundTls = null;
        sink = SmtpSink.start();
        QueuedMessage m = queueOne();

        f.start(f.settings(sink.port()).build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.recipients().get(0).lastReply()).isEqualTo("451 4.3.0 no outbound TLS policy service");
        assertThat(sink.connections()).isZero();
    }

    @Test
    void theSmarthostGetsItsOwnModeFromSmarthostTls() throws Exception {
        sink = SmtpSink.start();
        f.dns.add("relay.test", org.xbill.DNS.Type.A, "127.0.0.1", 60);
        QueuedMessage m = queueOne();

        f.start(f.settings(sink.port())
                .smarthost("[relay.test]:" + sink.port())
                .smarthostTls("Required")
                .build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.recipients().get(0).lastReply()).startsWith("451 4.7.5 ");
        assertThat(policy.domainsAsked).isEmpty();
        assertThat(policy.recorded.get(0).getKey()).isEqualTo("relay.test");
        assertThat(policy.recorded.get(0).getValue().failure()).contains(TlsFailure.STARTTLS_NOT_SUPPORTED);
    }

    @Test
    void theSmarthostWithoutSmarthostTlsFollowsThePolicyOfItsHostName() throws Exception {
        policy.rules.put("relay.test", TlsMode.OPPORTUNISTIC_INSECURE);
        sink = SmtpSink.startWithTls(TestCertificates.selfSignedContext("relay.test"));
        f.dns.add("relay.test", org.xbill.DNS.Type.A, "127.0.0.1", 60);
        QueuedMessage m = queueOne();

        f.start(f.settings(sink.port()).smarthost("[relay.test]:" + sink.port()).build());

        f.awaitRemoved(m.id());
        assertThat(policy.domainsAsked).containsExactly("relay.test");
        assertThat(sink.tlsProtocols()).containsExactly("TLSv1.3");
    }
}
