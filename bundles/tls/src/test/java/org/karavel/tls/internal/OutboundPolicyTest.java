package org.karavel.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.TlsaAnswer;
import org.karavel.api.dns.TlsaRecord;
import org.karavel.api.tls.DestinationTls;
import org.karavel.api.tls.HostTls;
import org.karavel.api.tls.PolicySource;
import org.karavel.api.tls.TlsFailure;
import org.karavel.api.tls.TlsMode;
import org.karavel.api.tls.TlsOutcome;
import org.karavel.api.tls.TlsVerdict;
import org.karavel.tls.internal.OutboundPki.Issued;

class OutboundPolicyTest {
    static Issued ca;
    static Issued mx;
    static X509Certificate[] chain;
    static X509Certificate[] expired;
    static X509Certificate[] untrusted;

    final StubResolver resolver = new StubResolver();
    final Clock clock = Clock.systemUTC();

    @BeforeAll
    static void pki() throws Exception {
        ca = OutboundPki.ca("Outbound Test CA");
        mx = OutboundPki.server(ca, "mx1.dest.test", "*.pool.dest.test");
        chain = new X509Certificate[] {mx.certificate(), ca.certificate()};
        expired = new X509Certificate[] {
            OutboundPki.server(
                            ca,
                            Instant.now().minus(Duration.ofDays(40)),
                            Instant.now().minus(Duration.ofDays(10)),
                            "mx1.dest.test")
                    .certificate()
        };
        untrusted = new X509Certificate[] {
            OutboundPki.server(OutboundPki.ca("Stranger"), "mx1.dest.test").certificate()
        };
    }

    OutboundPolicy policy(TlsMode defaultMode, boolean mtaSts, boolean dane, String... rules) {
        MtaSts sts = mtaSts
                ? new MtaSts(
                        resolver,
                        domain -> {
                            if (domain.equals("sts.test")) {
                                return "version: STSv1\nmode: enforce\nmx: *.sts.test\nmax_age: 3600\n";
                            }
                            if (domain.equals("trial.test")) {
                                return "version: STSv1\nmode: testing\nmx: mx.trial.test\nmax_age: 3600\n";
                            }
                            throw new IOException("connection refused");
                        },
                        Runnable::run,
                        clock)
                : null;
        return new OutboundPolicy(
                defaultMode,
                new DestinationRules(rules),
                sts,
                resolver,
                dane,
                new CertificateCheck(CertificateCheck.anchorsOf(List.of(ca.certificate())), clock),
                null,
                clock);
    }

    static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get();
    }

    @Test
    void configuredRulesThenMtaStsThenTheDefault() throws Exception {
        resolver.txt.put("_mta-sts.sts.test", List.of("v=STSv1; id=1"));
        resolver.txt.put("_mta-sts.trial.test", List.of("v=STSv1; id=1"));
        resolver.txt.put("_mta-sts.configured.sts.test", List.of("v=STSv1; id=1"));
        OutboundPolicy policy = policy(
                TlsMode.OPPORTUNISTIC,
                true,
                false,
                "exact.test=Required, .corp.test=Disabled",
                "deep.corp.test=RequiredInsecure",
                ".test=OpportunisticInsecure",
                "configured.sts.test=Opportunistic",
                "bad-entry",
                "x.test=Sometimes");

        assertThat(get(policy.forDomain("Exact.Test.")).mode()).isEqualTo(TlsMode.REQUIRED);
        assertThat(get(policy.forDomain("a.corp.test")).mode()).isEqualTo(TlsMode.DISABLED);
        assertThat(get(policy.forDomain("deep.corp.test")).mode())
                .as("exact beats suffix")
                .isEqualTo(TlsMode.REQUIRED_INSECURE);
        assertThat(get(policy.forDomain("corp.test")).mode())
                .as(".corp.test is below only")
                .isEqualTo(TlsMode.OPPORTUNISTIC_INSECURE);
        DestinationTls configured = get(policy.forDomain("configured.sts.test"));
        assertThat(configured.source()).isEqualTo(PolicySource.CONFIG);

        DestinationTls none = get(policy(TlsMode.OPPORTUNISTIC, true, false).forDomain("plain.example"));
        assertThat(none.mode()).isEqualTo(TlsMode.OPPORTUNISTIC);
        assertThat(none.source()).isEqualTo(PolicySource.NONE);

        DestinationTls sts = get(policy.forDomain("sts.test"));
        assertThat(sts.source()).isEqualTo(PolicySource.CONFIG).as(".test rule wins over MTA-STS");
        OutboundPolicy stsOnly = policy(TlsMode.OPPORTUNISTIC, true, false);
        DestinationTls enforce = get(stsOnly.forDomain("sts.test"));
        assertThat(enforce.mode()).isEqualTo(TlsMode.REQUIRED);
        assertThat(enforce.source()).isEqualTo(PolicySource.MTA_STS_ENFORCE);
        assertThat(enforce.policyId()).isEqualTo("1");
        assertThat(enforce.mxPatterns()).containsExactly("*.sts.test");
        DestinationTls testing = get(stsOnly.forDomain("trial.test"));
        assertThat(testing.mode()).isEqualTo(TlsMode.OPPORTUNISTIC);
        assertThat(testing.source()).isEqualTo(PolicySource.MTA_STS_TESTING);

        resolver.txt.put("_mta-sts.broken.test", List.of("v=STSv1; id=9"));
        DestinationTls broken = get(stsOnly.forDomain("broken.test"));
        assertThat(broken.source()).isEqualTo(PolicySource.NONE);
        assertThat(broken.policyFailure()).contains(TlsFailure.STS_POLICY_FETCH_ERROR);
        assertThat(get(policy(TlsMode.REQUIRED, false, false).forDomain("sts.test"))
                        .source())
                .as("mta_sts off")
                .isEqualTo(PolicySource.NONE);
    }

    @Test
    void mtaStsEnforceAllowsOnlyListedMxHosts() throws Exception {
        resolver.txt.put("_mta-sts.sts.test", List.of("v=STSv1; id=1"));
        OutboundPolicy policy = policy(TlsMode.OPPORTUNISTIC, true, false);
        DestinationTls enforce = get(policy.forDomain("sts.test"));
        assertThat(policy.mxAllowed(enforce, "mx1.sts.test")).isTrue();
        assertThat(policy.mxAllowed(enforce, "mx1.evil.test")).isFalse();
        HostTls refused = get(policy.forHost(enforce, "mx1.evil.test"));
        assertThat(refused.mxAllowed()).isFalse();
        TlsOutcome outcome = TlsOutcome.refused(refused, "127.0.0.1");
        assertThat(outcome.policyType()).isEqualTo("sts");
        assertThat(outcome.failure()).contains(TlsFailure.VALIDATION_FAILURE);
        assertThat(outcome.policyStrings()).contains("mode: enforce");
    }

    @Test
    void opportunisticVerifiesAndDefersOnABadCertificate() throws Exception {
        OutboundPolicy policy = policy(TlsMode.OPPORTUNISTIC, false, false);
        HostTls host = get(policy.forHost(get(policy.forDomain("dest.test")), "MX1.dest.test."));
        assertThat(host.mxHost()).isEqualTo("mx1.dest.test");

        TlsVerdict good = policy.verify(host, chain, "TLSv1.3", "TLS_AES_128_GCM_SHA256");
        assertThat(good.accepted()).isTrue();
        assertThat(good.verified()).isTrue();
        assertThat(good.logText())
                .isEqualTo("tls=TLSv1.3:TLS_AES_128_GCM_SHA256 verified=yes policy=Opportunistic/none");

        assertThat(policy.verify(host, expired, "TLSv1.3", "x").failure()).contains(TlsFailure.CERTIFICATE_EXPIRED);
        assertThat(policy.verify(host, untrusted, "TLSv1.3", "x").failure())
                .contains(TlsFailure.CERTIFICATE_NOT_TRUSTED);
        HostTls other = get(policy.forHost(get(policy.forDomain("dest.test")), "mx2.dest.test"));
        TlsVerdict mismatch = policy.verify(other, chain, "TLSv1.3", "x");
        assertThat(mismatch.accepted()).isFalse();
        assertThat(mismatch.failure()).contains(TlsFailure.CERTIFICATE_HOST_MISMATCH);
        assertThat(mismatch.logText()).endsWith("tls_failure=certificate-host-mismatch");
        HostTls pooled = get(policy.forHost(get(policy.forDomain("dest.test")), "a.pool.dest.test"));
        assertThat(policy.verify(pooled, chain, "TLSv1.3", "x").verified())
                .as("wildcard SAN")
                .isTrue();
        HostTls tooDeep = get(policy.forHost(get(policy.forDomain("dest.test")), "a.b.pool.dest.test"));
        assertThat(policy.verify(tooDeep, chain, "TLSv1.3", "x").accepted()).isFalse();

        TlsVerdict noStartTls = policy.withoutTls(host, false, "");
        assertThat(noStartTls.accepted()).isTrue();
        assertThat(noStartTls.logText()).startsWith("tls=none policy=Opportunistic/none");
        TlsVerdict handshake = policy.withoutTls(host, true, "handshake_failure");
        assertThat(handshake.accepted()).isFalse();
        assertThat(handshake.clearTextRetry()).isFalse();
    }

    @Test
    void insecureRequiredAndDisabledModes() throws Exception {
        OutboundPolicy policy = policy(
                TlsMode.OPPORTUNISTIC,
                false,
                false,
                "insecure.test=OpportunisticInsecure",
                "required.test=Required",
                "any.test=RequiredInsecure",
                "off.test=Disabled");
        HostTls insecure = get(policy.forHost(get(policy.forDomain("insecure.test")), "mx1.dest.test"));
        TlsVerdict anyCertificate = policy.verify(insecure, untrusted, "TLSv1.2", "x");
        assertThat(anyCertificate.accepted()).isTrue();
        assertThat(anyCertificate.verified()).isFalse();
        assertThat(anyCertificate.failure()).isEmpty();
        TlsVerdict fallback = policy.withoutTls(insecure, true, "bad record mac");
        assertThat(fallback.accepted()).isTrue();
        assertThat(fallback.clearTextRetry()).isTrue();

        HostTls required = get(policy.forHost(get(policy.forDomain("required.test")), "mx1.dest.test"));
        assertThat(policy.verify(required, chain, "TLSv1.3", "x").accepted()).isTrue();
        assertThat(policy.verify(required, untrusted, "TLSv1.3", "x").accepted())
                .isFalse();
        TlsVerdict clear = policy.withoutTls(required, false, "");
        assertThat(clear.accepted()).isFalse();
        assertThat(clear.failure()).contains(TlsFailure.STARTTLS_NOT_SUPPORTED);
        assertThat(clear.detail()).contains("requires TLS");

        HostTls any = get(policy.forHost(get(policy.forDomain("any.test")), "mx1.dest.test"));
        assertThat(policy.verify(any, untrusted, "TLSv1.3", "x").accepted()).isTrue();
        assertThat(policy.withoutTls(any, false, "").accepted()).isFalse();

        HostTls off = get(policy.forHost(get(policy.forDomain("off.test")), "mx1.dest.test"));
        assertThat(off.startTls()).isFalse();
        TlsVerdict disabled = policy.withoutTls(off, false, "");
        assertThat(disabled.accepted()).isTrue();
        assertThat(disabled.failure()).isEmpty();
    }

    @Test
    void mtaStsTestingReportsButDoesNotEnforce() throws Exception {
        resolver.txt.put("_mta-sts.trial.test", List.of("v=STSv1; id=1"));
        OutboundPolicy policy = policy(TlsMode.OPPORTUNISTIC_INSECURE, true, false);
        DestinationTls testing = get(policy.forDomain("trial.test"));
        HostTls host = get(policy.forHost(testing, "mx1.dest.test"));
        assertThat(host.mxAllowed()).as("testing never refuses a host").isTrue();
        TlsVerdict verdict = policy.verify(host, untrusted, "TLSv1.3", "x");
        assertThat(verdict.accepted()).isTrue();
        assertThat(verdict.failure()).contains(TlsFailure.CERTIFICATE_NOT_TRUSTED);
        TlsOutcome outcome = TlsOutcome.of(verdict, "127.0.0.1", "127.0.0.2");
        assertThat(outcome.policyType()).isEqualTo("sts");
        assertThat(outcome.success()).isFalse();
        TlsVerdict notListed = policy.verify(host, chain, "TLSv1.3", "x");
        assertThat(notListed.failure())
                .as("mx1.dest.test is not mx.trial.test")
                .contains(TlsFailure.VALIDATION_FAILURE);
    }

    @Test
    void daneDecidesWhenTlsaRecordsAndTheMxAnswerAreAuthentic() throws Exception {
        resolver.txt.put("_mta-sts.sts.test", List.of("v=STSv1; id=1"));
        byte[] spki = MessageDigest.getInstance("SHA-256")
                .digest(mx.certificate().getPublicKey().getEncoded());
        resolver.tlsa.put(
                "_25._tcp.mx1.sts.test",
                new TlsaAnswer(List.of(new TlsaRecord(3, 1, 1, spki), new TlsaRecord(1, 0, 1, new byte[32])), true));
        resolver.tlsa.put("_25._tcp.mx2.sts.test", new TlsaAnswer(List.of(new TlsaRecord(3, 1, 1, spki)), false));
        resolver.tlsa.put(
                "_25._tcp.mx3.sts.test", new TlsaAnswer(List.of(new TlsaRecord(0, 0, 1, new byte[32])), true));
        resolver.failures.put("_25._tcp.mx4.sts.test", new DnsException(DnsException.Reason.SERVER_FAILURE, "bogus"));
        OutboundPolicy policy = policy(TlsMode.OPPORTUNISTIC, true, true);
        DestinationTls enforce = get(policy.forDomain("sts.test"));

        HostTls dane = get(policy.forHost(enforce, "mx1.sts.test", true));
        assertThat(dane.source()).isEqualTo(PolicySource.DANE);
        assertThat(dane.tlsa()).hasSize(1);
        // the certificate names mx1.dest.test, not mx1.sts.test: DANE-EE ignores names, MTA-STS is not applied
        TlsVerdict verdict = policy.verify(dane, new X509Certificate[] {mx.certificate()}, "TLSv1.3", "x");
        assertThat(verdict.accepted()).isTrue();
        assertThat(verdict.verified()).isTrue();
        assertThat(verdict.logText()).contains("policy=Required/dane");
        assertThat(TlsOutcome.of(verdict, "", "").policyType()).isEqualTo("tlsa");
        assertThat(policy.verify(dane, untrusted, "TLSv1.3", "x").accepted()).isFalse();

        assertThat(get(policy.forHost(enforce, "mx2.sts.test", true)).source())
                .as("not authentic")
                .isEqualTo(PolicySource.MTA_STS_ENFORCE);
        HostTls unusable = get(policy.forHost(enforce, "mx3.sts.test", true));
        assertThat(unusable.mode()).isEqualTo(TlsMode.REQUIRED_INSECURE);
        HostTls bogus = get(policy.forHost(enforce, "mx4.sts.test", true));
        assertThat(bogus.mxAllowed()).isFalse();
        assertThat(bogus.refusal()).contains(TlsFailure.DNSSEC_INVALID);
        assertThat(get(policy.forHost(enforce, "mx5.sts.test", true)).source())
                .as("NXDOMAIN: no DANE")
                .isEqualTo(PolicySource.MTA_STS_ENFORCE);

        resolver.tlsaSupported = false;
        assertThat(get(policy.forHost(enforce, "mx1.sts.test", true)).source())
                .as("resolver without TLSA")
                .isEqualTo(PolicySource.MTA_STS_ENFORCE);
        assertThat(get(policy(TlsMode.OPPORTUNISTIC, true, false).forHost(enforce, "mx1.sts.test", true))
                        .source())
                .as("dane off")
                .isEqualTo(PolicySource.MTA_STS_ENFORCE);
    }

    /**
     * Issue 13: a spoofed (not DNSSEC-validated) MX answer names a host in the spoofer's own signed
     * zone, with authentic TLSA records matching the spoofer's certificate. DANE must not apply, so the
     * MTA-STS enforce policy decides and refuses the host it does not list; its TLSA records are not
     * even asked for.
     */
    @Test
    void anInsecureMxAnswerNeverGetsDaneAndMtaStsRefusesAHostItDoesNotList() throws Exception {
        resolver.txt.put("_mta-sts.sts.test", List.of("v=STSv1; id=1"));
        byte[] spki = MessageDigest.getInstance("SHA-256")
                .digest(mx.certificate().getPublicKey().getEncoded());
        resolver.tlsa.put("_25._tcp.mx.attacker.test", new TlsaAnswer(List.of(new TlsaRecord(3, 1, 1, spki)), true));
        OutboundPolicy policy = policy(TlsMode.OPPORTUNISTIC, true, true);
        DestinationTls enforce = get(policy.forDomain("sts.test"));

        HostTls spoofed = get(policy.forHost(enforce, "mx.attacker.test", false));
        assertThat(spoofed.source()).isEqualTo(PolicySource.MTA_STS_ENFORCE);
        assertThat(spoofed.mxAllowed()).isFalse();
        assertThat(spoofed.refusal()).contains(TlsFailure.VALIDATION_FAILURE);
        assertThat(resolver.tlsaAsked).doesNotContain("_25._tcp.mx.attacker.test");
        // the two-argument form is the same: no DANE without an authentic MX answer
        assertThat(get(policy.forHost(enforce, "mx.attacker.test")).mxAllowed()).isFalse();
        // a listed host from the same insecure answer is used under MTA-STS (Required, WebPKI)
        HostTls listed = get(policy.forHost(enforce, "mx1.sts.test", false));
        assertThat(listed.mxAllowed()).isTrue();
        assertThat(listed.source()).isEqualTo(PolicySource.MTA_STS_ENFORCE);
        // only an authentic MX answer lets the attacker's TLSA records decide (what DNSSEC would have to be broken for)
        assertThat(get(policy.forHost(enforce, "mx.attacker.test", true)).source())
                .isEqualTo(PolicySource.DANE);
    }

    @Test
    void aRealHandshakeWithTheClientContextIsJudgedAfterwards() throws Exception {
        OutboundPolicy policy = policy(TlsMode.OPPORTUNISTIC, false, false);
        HostTls host = get(policy.forHost(get(policy.forDomain("dest.test")), "mx1.dest.test"));
        try (SSLServerSocket listener = (SSLServerSocket) OutboundPki.serverContext(mx, ca.certificate())
                .getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            CompletableFuture<String> sni = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket accepted = (SSLSocket) listener.accept()) {
                    accepted.startHandshake();
                    accepted.getOutputStream().write('K');
                    accepted.getOutputStream().flush();
                    var names = ((javax.net.ssl.ExtendedSSLSession) accepted.getSession()).getRequestedServerNames();
                    return names.isEmpty() ? "" : ((javax.net.ssl.SNIHostName) names.get(0)).getAsciiName();
                } catch (Exception e) {
                    return e.toString();
                }
            });
            try (SSLSocket socket =
                    (SSLSocket) policy.clientContext().getSocketFactory().createSocket()) {
                socket.connect(
                        new InetSocketAddress(InetAddress.getByName("127.0.0.1"), listener.getLocalPort()), 5000);
                socket.setSoTimeout(5000);
                socket.setSSLParameters(policy.clientParameters(host));
                socket.startHandshake();
                assertThat(socket.getInputStream().read()).isEqualTo('K');
                TlsVerdict verdict = policy.verify(
                        host,
                        (X509Certificate[]) socket.getSession().getPeerCertificates(),
                        socket.getSession().getProtocol(),
                        socket.getSession().getCipherSuite());
                assertThat(verdict.accepted()).isTrue();
                assertThat(verdict.verified()).isTrue();
                assertThat(verdict.protocol()).isEqualTo("TLSv1.3");
            }
            assertThat(sni.get()).isEqualTo("mx1.dest.test");
        }
    }

    @Test
    void aFetchFailureCountsForTlsRptWhenTheSessionWasFine() throws Exception {
        resolver.txt.put("_mta-sts.broken.test", List.of("v=STSv1; id=9"));
        OutboundPolicy policy = policy(TlsMode.OPPORTUNISTIC, true, false);
        HostTls host = get(policy.forHost(get(policy.forDomain("broken.test")), "mx1.dest.test"));
        TlsOutcome outcome = TlsOutcome.of(policy.verify(host, chain, "TLSv1.3", "x"), "", "127.0.0.1");
        assertThat(outcome.policyType()).isEqualTo("sts");
        assertThat(outcome.failure()).contains(TlsFailure.STS_POLICY_FETCH_ERROR);
        assertThat(Optional.of(outcome.receivingIp())).contains("127.0.0.1");
    }
}
