package org.karavel.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.dns.TlsaAnswer;
import org.karavel.api.dns.TlsaRecord;
import org.karavel.api.status.Finding;
import org.karavel.tls.internal.OutboundPki.Issued;

/** The tls bundle's status checks: certificate, key file, MTA-STS policy over real HTTPS, TLSA. */
class TlsStatusChecksTest {
    private static final String HOST = "mx.sts.test.example";
    private static final String DOMAIN = "sts.test.example";
    private final Instant now = Instant.now();
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final StubResolver resolver = new StubResolver();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void theCertificateMustCoverTheHostAndNotExpireSoon() throws Exception {
        Issued ca = OutboundPki.ca("Status CA");
        Issued good = OutboundPki.server(ca, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(60)), HOST);
        assertThat(CertificateStatus.certificate(good.certificate(), false, HOST, now)
                        .level())
                .isEqualTo(Finding.Level.OK);
        Finding soon = CertificateStatus.certificate(
                OutboundPki.server(ca, now.minus(Duration.ofDays(80)), now.plus(Duration.ofDays(5)), HOST)
                        .certificate(),
                false,
                HOST,
                now);
        assertThat(soon.level()).isEqualTo(Finding.Level.WARNING);
        assertThat(soon.found()).containsPattern("in [45] day\\(s\\)");
        Finding expired = CertificateStatus.certificate(
                OutboundPki.server(ca, now.minus(Duration.ofDays(90)), now.minus(Duration.ofDays(1)), HOST)
                        .certificate(),
                false,
                HOST,
                now);
        assertThat(expired.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(expired.found()).startsWith("The certificate expired on");
        Finding other = CertificateStatus.certificate(good.certificate(), false, "mail.elsewhere.test", now);
        assertThat(other.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(other.found()).isEqualTo("The certificate is for mx.sts.test.example, not for mail.elsewhere.test");
        assertThat(CertificateStatus.certificate(good.certificate(), true, HOST, now)
                        .level())
                .isEqualTo(Finding.Level.WARNING);
    }

    @Test
    void aKeyFileOthersCanReadIsAnError() throws Exception {
        Path key = Files.createFile(dir.resolve("key.pem"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
        assertThat(CertificateStatus.keyFile(key).level()).isEqualTo(Finding.Level.OK);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        Finding open = CertificateStatus.keyFile(key);
        assertThat(open.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(open.fix()).startsWith("chmod 0640 ");
        assertThat(CertificateStatus.keyFile(null)).isNull();
    }

    private List<Finding> policy(String body) throws Exception {
        Issued ca = OutboundPki.ca("STS Status CA");
        Issued policyHost = OutboundPki.server(ca, "mta-sts." + DOMAIN);
        try (PolicyServer server = new PolicyServer(OutboundPki.serverContext(policyHost, ca.certificate()))) {
            server.body = body;
            if (body.isEmpty()) {
                server.status = 404;
            }
            resolver.addresses.put("mta-sts." + DOMAIN, List.of(InetAddress.getByName("127.0.0.1")));
            resolver.txt.put("_mta-sts." + DOMAIN, List.of("v=STSv1; id=2026"));
            Path pem = dir.resolve("ca-" + System.nanoTime() + ".pem");
            Files.writeString(pem, TestPki.pem(ca.certificate()));
            HttpsRequest https = new HttpsRequest(
                    OutboundTlsComponent.verifyingContext(pem.toString()),
                    Duration.ofSeconds(5),
                    OutboundTlsComponent.MAX_POLICY_SIZE);
            PolicyStatus status = new PolicyStatus(
                    resolver, MtaSts.overHttps(resolver, https, server.port(), Duration.ofSeconds(5)), executor);
            return status.check(DOMAIN, HOST).toCompletableFuture().get();
        }
    }

    @Test
    void thePolicyIsFetchedOverVerifiedHttpsAndMustListThisServer() throws Exception {
        Finding ok = policy("version: STSv1\nmode: enforce\nmx: *.sts.test.example\nmax_age: 86400\n")
                .get(0);
        assertThat(ok.level()).isEqualTo(Finding.Level.OK);
        assertThat(ok.found()).isEqualTo("The MTA-STS policy lists mx.sts.test.example in mode: enforce");
        Finding testing = policy("version: STSv1\nmode: testing\nmx: mx.sts.test.example\nmax_age: 86400\n")
                .get(0);
        assertThat(testing.level()).isEqualTo(Finding.Level.WARNING);
        Finding elsewhere = policy("version: STSv1\nmode: enforce\nmx: mx.other.example\nmax_age: 86400\n")
                .get(0);
        assertThat(elsewhere.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(elsewhere.fix()).contains("mx: mx.sts.test.example");
        Finding missing = policy("").get(0);
        assertThat(missing.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(missing.found()).contains("cannot be fetched");
    }

    @Test
    void aDomainWithoutTheRecordGetsNoPolicyFinding() throws Exception {
        PolicyStatus status = new PolicyStatus(
                resolver,
                d -> {
                    throw new AssertionError("no fetch without the TXT record");
                },
                executor);
        assertThat(status.check("none.test.example", HOST).toCompletableFuture().get())
                .isEmpty();
    }

    @Test
    void tlsaMustMatchTheServedCertificateAndSurviveRenewal() throws Exception {
        Issued ca = OutboundPki.ca("TLSA CA");
        Issued leaf = OutboundPki.server(ca, HOST);
        byte[] spki = MessageDigest.getInstance("SHA-256")
                .digest(leaf.certificate().getPublicKey().getEncoded());
        byte[] whole =
                MessageDigest.getInstance("SHA-256").digest(leaf.certificate().getEncoded());
        TlsaStatus tlsa = new TlsaStatus(resolver, Clock.systemUTC());
        String name = "_25._tcp." + HOST;
        List<X509Certificate> chain = List.of(leaf.certificate(), ca.certificate());

        resolver.tlsa.put(name, new TlsaAnswer(List.of(new TlsaRecord(3, 1, 1, spki)), true));
        assertThat(tlsa.check(HOST, chain).toCompletableFuture().get())
                .singleElement()
                .satisfies(f -> assertThat(f.level()).isEqualTo(Finding.Level.OK));
        resolver.tlsa.put(name, new TlsaAnswer(List.of(new TlsaRecord(3, 0, 1, whole)), true));
        assertThat(tlsa.check(HOST, chain).toCompletableFuture().get().get(0).found())
                .contains("the next renewal breaks DANE");
        resolver.tlsa.put(name, new TlsaAnswer(List.of(new TlsaRecord(3, 1, 1, new byte[32])), true));
        assertThat(tlsa.check(HOST, chain).toCompletableFuture().get().get(0).level())
                .isEqualTo(Finding.Level.ERROR);
        resolver.tlsa.put(name, new TlsaAnswer(List.of(new TlsaRecord(3, 1, 1, spki)), false));
        assertThat(tlsa.check(HOST, chain).toCompletableFuture().get().get(0).found())
                .contains("not DNSSEC-validated");
        resolver.tlsa.remove(name);
        assertThat(tlsa.check(HOST, chain).toCompletableFuture().get()).isEmpty();
    }
}
