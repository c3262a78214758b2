package org.karavel.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.karavel.api.tls.ServerTlsContext;
import org.karavel.testkit.LegacyTlsClient;
import org.karavel.tls.internal.TestPki.Issued;
import org.karavel.tls.internal.TlsPeers.Handshake;

class InboundTlsTest {
    private static final String[] PROTOCOLS = TlsParameters.DEFAULT_PROTOCOLS.toArray(new String[0]);
    private static final String[] SUITES = TlsParameters.DEFAULT_CIPHER_SUITES.toArray(new String[0]);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final String AEAD = ".*(_GCM_|_CHACHA20_POLY1305_).*";

    private static Issued root;
    private static Issued intermediate;

    @TempDir
    Path dir;

    private InboundTls tls;
    private TlsPeers.Server server;

    @BeforeAll
    static void pki() throws Exception {
        root = TestPki.root("Karavel Test Root");
        intermediate = TestPki.issue(root, "Karavel Test Intermediate", TestPki.ec(), true);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (tls != null) {
            tls.close();
        }
    }

    private Path certFile() {
        return dir.resolve("cert.pem");
    }

    private Path keyFile() {
        return dir.resolve("key.pem");
    }

    private Issued provision(String format) throws Exception {
        KeyPair keys = format.startsWith("rsa") ? TestPki.rsa() : TestPki.ec();
        Issued leaf = TestPki.issue(root, "mx.test.example", keys, false);
        String key = switch (format) {
            case "rsa-pkcs1" -> TestPki.pem(keys.getPrivate());
            case "ec-sec1" -> TestPki.sec1(keys);
            default -> TestPki.pkcs8(keys.getPrivate());
        };
        TestPki.write(certFile(), TestPki.pem(leaf.certificate()));
        TestPki.write(keyFile(), key);
        Files.setPosixFilePermissions(keyFile(), PosixFilePermissions.fromString("rw-------"));
        return leaf;
    }

    private void start(String[] protocols, String[] suites) throws Exception {
        tls = new InboundTls(certFile(), keyFile(), protocols, suites, "mx.test.example", POLL);
        server = new TlsPeers.Server(tls);
    }

    private Handshake connect(List<String> protocols) throws Exception {
        return TlsPeers.connect(server.port(), TlsPeers.trusting(root.certificate()), protocols, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa-pkcs1", "rsa-pkcs8", "ec-sec1", "ec-pkcs8"})
    void servesProvisionedKeyInEveryPemFormatOverTls13AndTls12(String format) throws Exception {
        Issued leaf = provision(format);
        String header = Files.readString(keyFile());
        assertThat(header)
                .startsWith(
                        switch (format) {
                            case "rsa-pkcs1" -> "-----BEGIN RSA PRIVATE KEY-----";
                            case "ec-sec1" -> "-----BEGIN EC PRIVATE KEY-----";
                            default -> "-----BEGIN PRIVATE KEY-----";
                        });
        start(PROTOCOLS, SUITES);

        Handshake tls13 = connect(null);
        assertThat(tls13.protocol()).isEqualTo("TLSv1.3");
        assertThat(tls13.cipherSuite()).matches(AEAD);
        assertThat(tls13.leaf()).isEqualTo(leaf.certificate());

        Handshake tls12 = connect(List.of("TLSv1.2"));
        assertThat(tls12.protocol()).isEqualTo("TLSv1.2");
        assertThat(tls12.cipherSuite()).startsWith("TLS_ECDHE_").matches(AEAD);

        ServerTlsContext current = tls.current();
        assertThat(current.selfSigned()).isFalse();
        assertThat(current.certificateFingerprint()).isEqualTo(ServerCertificate.fingerprint(leaf.certificate()));
        assertThat(tls.lastProblem()).isNull();
    }

    @Test
    void servesChainWithIntermediateToClientTrustingOnlyTheRoot() throws Exception {
        KeyPair keys = TestPki.ec();
        Issued leaf = TestPki.issue(intermediate, "mx.test.example", keys, false);
        TestPki.write(certFile(), TestPki.pem(leaf.certificate(), intermediate.certificate()));
        TestPki.write(keyFile(), TestPki.pkcs8(keys.getPrivate()));
        start(PROTOCOLS, SUITES);

        Handshake handshake = connect(null);

        assertThat(handshake.chain()).containsExactly(leaf.certificate(), intermediate.certificate());
    }

    @Test
    void refusesOldProtocolsAndNonAeadSuites() throws Exception {
        provision("rsa-pkcs1");
        start(PROTOCOLS, SUITES);

        assertThat(tls.current().protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(tls.current().cipherSuites())
                .allMatch(s -> s.matches(AEAD))
                .allMatch(s -> s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_") || s.startsWith("TLS_ECDHE_"));
        // offered for real (the JDK's client will not send them): the server itself refuses the version
        for (String old : List.of("TLSv1.1", "TLSv1")) {
            try (Socket socket = new Socket("127.0.0.1", server.port())) {
                assertThat(LegacyTlsClient.offer(socket, old))
                        .as(old)
                        .isEqualTo(LegacyTlsClient.PROTOCOL_VERSION_ALERT);
            }
        }

        // a TLS 1.2 client that offers only a CBC suite: the server must refuse it
        server.lastFailure.set(null);
        assertThatThrownBy(() -> TlsPeers.connect(
                        server.port(),
                        TlsPeers.trusting(root.certificate()),
                        List.of("TLSv1.2"),
                        List.of("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256")))
                .isInstanceOf(SSLException.class);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(server.lastFailure.get()).isInstanceOf(SSLException.class));
    }

    @Test
    void newServerEngineIsAServerWithTheSnapshotsSettingsAndNoClientAuth() throws Exception {
        provision("ec-sec1");
        start(PROTOCOLS, SUITES);

        SSLEngine engine = tls.current().newServerEngine();

        assertThat(engine.getUseClientMode()).isFalse();
        assertThat(engine.getNeedClientAuth()).isFalse();
        assertThat(engine.getWantClientAuth()).isFalse();
        assertThat(engine.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(engine.getEnabledCipherSuites())
                .containsExactly(tls.current().cipherSuites());
        assertThat(engine.getSSLParameters().getUseCipherSuitesOrder()).isTrue();
    }

    @Test
    void withoutProvisionedFilesServesASelfSignedCertificateForTheHostName() throws Exception {
        tls = new InboundTls(null, null, PROTOCOLS, SUITES, "mail.test.example", POLL);
        server = new TlsPeers.Server(tls);

        Handshake handshake = TlsPeers.connect(server.port(), TlsPeers.trustingAnything(), null, null);

        ServerTlsContext current = tls.current();
        assertThat(current.selfSigned()).isTrue();
        X509Certificate served = handshake.leaf();
        assertThat(current.certificateFingerprint())
                .isEqualTo(ServerCertificate.fingerprint(served))
                .matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
        served.verify(served.getPublicKey());
        assertThat(served.getSubjectAlternativeNames()).containsExactly(List.of(2, "mail.test.example"));
        assertThat(Duration.between(
                        served.getNotBefore().toInstant(), served.getNotAfter().toInstant()))
                .isGreaterThan(Duration.ofDays(364));
        assertThat(handshake.protocol()).isEqualTo("TLSv1.3");
    }

    @Test
    void selfSignedCertificateIsNewAtEveryStart() {
        String first;
        try (InboundTls one = new InboundTls(null, null, PROTOCOLS, SUITES, "mail.test.example", POLL)) {
            first = one.current().certificateFingerprint();
        }
        try (InboundTls two = new InboundTls(null, null, PROTOCOLS, SUITES, "mail.test.example", POLL)) {
            assertThat(two.current().certificateFingerprint()).isNotEqualTo(first);
        }
    }

    @Test
    void nextConnectionGetsTheReplacedCertificate() throws Exception {
        Issued old = provision("rsa-pkcs1");
        start(PROTOCOLS, SUITES);
        assertThat(connect(null).leaf()).isEqualTo(old.certificate());

        Issued renewed = provision("ec-pkcs8");

        await().atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(connect(null).leaf()).isEqualTo(renewed.certificate()));
        assertThat(tls.current().certificateFingerprint())
                .isEqualTo(ServerCertificate.fingerprint(renewed.certificate()));
    }

    @Test
    void filesThatAppearLaterReplaceTheSelfSignedCertificate() throws Exception {
        start(PROTOCOLS, SUITES);
        assertThat(tls.current().selfSigned()).isTrue();
        assertThat(tls.lastProblem()).contains("cert.pem").contains("no such file");

        Issued provisioned = provision("ec-sec1");

        await().atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(connect(null).leaf()).isEqualTo(provisioned.certificate()));
        assertThat(tls.current().selfSigned()).isFalse();
    }

    @Test
    void brokenReplacementKeepsTheOldCertificateAndLogsWithoutKeyMaterial() throws Exception {
        Issued old = provision("rsa-pkcs8");
        start(PROTOCOLS, SUITES);
        String oldFingerprint = tls.current().certificateFingerprint();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            // garbage where the key was
            String garbage =
                    "-----BEGIN PRIVATE KEY-----\nTm90IGEga2V5IGF0IGFsbCwganVzdCBieXRlcw==\n-----END PRIVATE KEY-----\n";
            TestPki.write(keyFile(), garbage);
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(tls.lastProblem())
                            .startsWith(keyFile().toString())
                            .contains("not a PEM private key"));
            assertThat(connect(null).leaf()).isEqualTo(old.certificate());

            // a valid key that belongs to another certificate
            KeyPair other = TestPki.rsa();
            String otherKey = TestPki.pkcs8(other.getPrivate());
            TestPki.write(keyFile(), otherKey);
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(tls.lastProblem()).contains("does not match the certificate"));
            assertThat(connect(null).leaf()).isEqualTo(old.certificate());
            assertThat(tls.current().certificateFingerprint()).isEqualTo(oldFingerprint);

            String logged = log.toString(StandardCharsets.UTF_8);
            assertThat(logged)
                    .contains("ERROR")
                    .contains("certificate not reloaded")
                    .contains(keyFile().toString())
                    .contains(oldFingerprint);
            String keyBase64 =
                    Base64.getEncoder().encodeToString(other.getPrivate().getEncoded());
            assertThat(logged)
                    .doesNotContain("Tm90IGEga2V5")
                    .doesNotContain(keyBase64.substring(0, 40))
                    .doesNotContain(otherKey.lines().skip(1).findFirst().orElseThrow());
        } finally {
            System.setErr(stderr);
        }
    }

    @Test
    void acceptsProtocolsAndSuitesAsOneCommaSeparatedString() throws Exception {
        provision("rsa-pkcs1");
        start(new String[] {"TLSv1.2, TLSv1.1"}, new String[] {
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 NO_SUCH_SUITE"
        });

        assertThat(tls.current().protocols()).containsExactly("TLSv1.2");
        assertThat(tls.current().cipherSuites())
                .containsExactly(
                        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        Handshake handshake = connect(null);
        assertThat(handshake.protocol()).isEqualTo("TLSv1.2");
        assertThat(handshake.cipherSuite()).isEqualTo("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    }

    @Test
    void splitFlattensArraysAndSeparatedStrings() {
        assertThat(TlsParameters.split(new String[] {"a, b", "c d", " ", "a"})).containsExactly("a", "b", "c", "d");
        assertThat(TlsParameters.split(null)).isEmpty();
    }

    @Test
    void warnsWhenTheKeyFileIsReadableByOthers() throws Exception {
        provision("ec-sec1");
        assertThat(InboundTls.looseKeyFilePermissions(keyFile())).isNull();

        Files.setPosixFilePermissions(keyFile(), PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(InboundTls.looseKeyFilePermissions(keyFile())).contains("chmod 600 " + keyFile());
    }

    @Test
    void keyOfAnotherCertificateIsRefusedAtStartAndSelfSignedIsServed() throws Exception {
        provision("ec-sec1");
        TestPki.write(keyFile(), TestPki.sec1(TestPki.ec()));

        start(PROTOCOLS, SUITES);

        assertThat(tls.current().selfSigned()).isTrue();
        assertThat(tls.lastProblem()).contains("does not match");
        assertThat(Arrays.asList(tls.current().protocols())).doesNotContain("TLSv1.1", "TLSv1");
    }
}
