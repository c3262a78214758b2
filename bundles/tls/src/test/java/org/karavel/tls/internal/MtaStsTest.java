package org.karavel.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.tls.TlsFailure;
import org.karavel.testkit.TestClock;
import org.karavel.tls.internal.OutboundPki.Issued;

/** MTA-STS against a real HTTPS server on 127.0.0.1 with a test CA; names resolve through a stub Resolver. */
class MtaStsTest {
    static final String DOMAIN = "sts.test.example";
    static final String POLICY = "version: STSv1\nmode: enforce\nmx: *.sts.test.example\nmax_age: 86400\n";
    static Issued ca;
    static Issued policyHost;

    PolicyServer server;
    StubResolver resolver = new StubResolver();
    TestClock clock = new TestClock(Instant.parse("2026-11-21T10:00:00Z"));
    ExecutorService executor = Executors.newFixedThreadPool(2);
    MtaSts mtaSts;

    @BeforeAll
    static void pki() throws Exception {
        ca = OutboundPki.ca("STS Test CA");
        policyHost = OutboundPki.server(ca, "mta-sts." + DOMAIN);
    }

    @BeforeEach
    void start() throws Exception {
        server = new PolicyServer(OutboundPki.serverContext(policyHost, ca.certificate()));
        server.body = POLICY;
        resolver.addresses.put("mta-sts." + DOMAIN, List.of(InetAddress.getByName("127.0.0.1")));
        resolver.txt.put("_mta-sts." + DOMAIN, List.of("v=STSv1; id=one"));
        mtaSts = mtaSts(server.port(), ca);
    }

    MtaSts mtaSts(int port, Issued trusted) throws Exception {
        Path pem = Files.createTempFile("ca", ".pem");
        Files.writeString(pem, TestPki.pem(trusted.certificate()));
        HttpsRequest https = new HttpsRequest(
                OutboundTlsComponent.verifyingContext(pem.toString()),
                Duration.ofSeconds(5),
                OutboundTlsComponent.MAX_POLICY_SIZE);
        Files.delete(pem);
        return new MtaSts(resolver, MtaSts.overHttps(resolver, https, port, Duration.ofSeconds(5)), executor, clock);
    }

    @AfterEach
    void stop() {
        server.close();
        executor.shutdownNow();
    }

    MtaSts.Lookup lookup() throws Exception {
        return mtaSts.policy(DOMAIN).toCompletableFuture().get();
    }

    @Test
    void fetchesThePolicyOverVerifiedHttpsAndCachesItById() throws Exception {
        MtaSts.Lookup first = lookup();
        assertThat(first.policy().mode()).isEqualTo("enforce");
        assertThat(first.policy().mxPatterns()).containsExactly("*.sts.test.example");
        assertThat(first.id()).isEqualTo("one");
        assertThat(server.paths)
                .containsExactly("/.well-known/mta-sts.txt Host=mta-sts.sts.test.example:" + server.port());

        lookup();
        assertThat(server.requests).as("same id: from the cache").hasValue(1);

        resolver.txt.put("_mta-sts." + DOMAIN, List.of("v=STSv1; id=two"));
        server.body = POLICY.replace("enforce", "testing");
        assertThat(lookup().policy().mode()).as("new id: fetched again").isEqualTo("testing");
        assertThat(server.requests).hasValue(2);
    }

    @Test
    void aCachedPolicyOutlivesFetchFailuresAndTheTxtRecordUntilMaxAge() throws Exception {
        lookup();
        resolver.txt.put("_mta-sts." + DOMAIN, List.of("v=STSv1; id=two"));
        server.status = 500;
        assertThat(lookup().policy().mode())
                .as("fetch failed: cached policy stays")
                .isEqualTo("enforce");

        resolver.txt.remove("_mta-sts." + DOMAIN);
        clock.advance(Duration.ofHours(23));
        assertThat(lookup().policy())
                .as("TXT gone: cached policy until max_age")
                .isNotNull();

        clock.advance(Duration.ofHours(2));
        assertThat(lookup().policy()).as("expired").isNull();
        assertThat(lookup().failure()).isNull();
    }

    @Test
    void refreshFetchesAgainAfterHalfTheMaxAgeAndExtendsIt() throws Exception {
        lookup();
        clock.advance(Duration.ofHours(13));
        mtaSts.refresh().toCompletableFuture().get();
        assertThat(server.requests).hasValue(2);
        clock.advance(Duration.ofHours(13));
        assertThat(lookup().policy())
                .as("26 h after the first fetch, 13 h after the refresh")
                .isNotNull();
        assertThat(server.requests).hasValue(2);
        assertThat(mtaSts.cachedDomains()).isEqualTo(1);
    }

    @Test
    void failuresAreNamedForTlsRpt() throws Exception {
        server.status = 302;
        server.location = "https://elsewhere.test/";
        assertThat(lookup().failure()).as("redirect not followed").isEqualTo(TlsFailure.STS_POLICY_FETCH_ERROR);

        lookup();
        assertThat(server.requests).as("a failure is remembered for a while").hasValue(1);
        clock.advance(MtaSts.RETRY_AFTER);

        server.status = 200;
        server.location = null;
        server.contentType = "text/html";
        assertThat(lookup().failure()).as("media type").isEqualTo(TlsFailure.STS_POLICY_INVALID);

        clock.advance(MtaSts.RETRY_AFTER);
        server.contentType = "text/plain";
        server.body = "version: STSv1\nmode: enforce\nmax_age: 86400\n";
        assertThat(lookup().failure()).as("enforce without mx").isEqualTo(TlsFailure.STS_POLICY_INVALID);

        clock.advance(MtaSts.RETRY_AFTER);
        server.body = POLICY + "x".repeat(70 * 1024);
        assertThat(lookup().failure()).as("larger than 64 KB").isEqualTo(TlsFailure.STS_POLICY_FETCH_ERROR);

        clock.advance(MtaSts.RETRY_AFTER);
        mtaSts = mtaSts(server.port(), OutboundPki.ca("Some Other CA"));
        server.body = POLICY;
        assertThat(lookup().failure()).as("untrusted certificate").isEqualTo(TlsFailure.STS_WEBPKI_INVALID);
        assertThat(lookup().policy()).isNull();
    }

    @Test
    void aCertificateForAnotherNameIsRefused() throws Exception {
        server.close();
        server = new PolicyServer(
                OutboundPki.serverContext(OutboundPki.server(ca, "mta-sts.other.example"), ca.certificate()));
        server.body = POLICY;
        mtaSts = mtaSts(server.port(), ca);
        MtaSts.Lookup lookup = lookup();
        assertThat(lookup.failure()).isEqualTo(TlsFailure.STS_WEBPKI_INVALID);
    }

    @Test
    void noTxtRecordMeansNoPolicyAndNoFetch() throws Exception {
        resolver.txt.put("_mta-sts." + DOMAIN, List.of("v=spf1 -all"));
        MtaSts.Lookup lookup = lookup();
        assertThat(lookup.policy()).isNull();
        assertThat(lookup.failure()).isNull();
        assertThat(server.requests).hasValue(0);
    }
}
