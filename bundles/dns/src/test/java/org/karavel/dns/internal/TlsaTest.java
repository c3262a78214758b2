package org.karavel.dns.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.DnsException.Reason;
import org.karavel.api.dns.TlsaAnswer;
import org.karavel.api.dns.TlsaRecord;
import org.karavel.testkit.LoopbackDnsServer;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.Type;

class TlsaTest {
    private static final String HASH = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
    private static final String MX_TLSA = "_25._tcp.mx.example";

    private LoopbackDnsServer dns;
    private StubResolver resolver;

    @BeforeEach
    void start() throws Exception {
        dns = LoopbackDnsServer.start();
    }

    @AfterEach
    void stop() {
        if (resolver != null) {
            resolver.close();
        }
        dns.close();
    }

    private StubResolver resolver(DnssecMode mode, Optional<Path> anchors) {
        resolver = new StubResolver(
                DnsSettings.defaults(List.of(dns.socketAddress())).withDnssec(mode, anchors));
        return resolver;
    }

    private static <T> T get(CompletionStage<T> stage) {
        return stage.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
    }

    private static DnsException failure(CompletionStage<?> stage) {
        try {
            get(stage);
        } catch (CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(DnsException.class);
            return (DnsException) e.getCause();
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void trustAdAsksWithAdAndDoAndTakesTheAdBitAsTheVerdict() {
        dns.add(MX_TLSA, Type.TLSA, "3 1 1 " + HASH, 300);
        dns.add(MX_TLSA, Type.TLSA, "2 0 2 " + HASH + HASH, 300);
        dns.authenticData(true);

        TlsaAnswer answer = get(resolver(DnssecMode.TRUST_AD, Optional.empty()).tlsa(MX_TLSA));

        assertThat(answer.authentic()).isTrue();
        assertThat(answer.records())
                .containsExactlyInAnyOrder(
                        new TlsaRecord(3, 1, 1, HexFormat.of().parseHex(HASH)),
                        new TlsaRecord(2, 0, 2, HexFormat.of().parseHex(HASH + HASH)));
        Message query = dns.lastQuery(MX_TLSA);
        assertThat(query.getHeader().getFlag(Flags.AD)).isTrue();
        assertThat(query.getOPT().getFlags() & ExtendedFlags.DO).isEqualTo(ExtendedFlags.DO);
    }

    @Test
    void trustAdWithoutTheAdBitIsNotAuthentic() {
        dns.add(MX_TLSA, Type.TLSA, "3 1 1 " + HASH, 300);
        dns.authenticData("other.example"); // vouches for another name only

        TlsaAnswer answer = get(resolver(DnssecMode.TRUST_AD, Optional.empty()).tlsa(MX_TLSA));

        assertThat(answer.authentic()).isFalse();
        assertThat(answer.records()).hasSize(1);
    }

    @Test
    void offNeverCallsAnAnswerAuthenticEvenWithTheAdBit() {
        dns.add(MX_TLSA, Type.TLSA, "3 1 1 " + HASH, 300);
        dns.authenticData(true);

        TlsaAnswer answer = get(resolver(DnssecMode.OFF, Optional.empty()).tlsa(MX_TLSA));

        assertThat(answer.authentic()).isFalse();
        assertThat(answer.records()).extracting(TlsaRecord::toString).containsExactly("3 1 1 " + HASH);
        assertThat(dns.lastQuery(MX_TLSA).getHeader().getFlag(Flags.AD)).isFalse();
    }

    @Test
    void nxdomainNodataAndServfailAreWhatTheTlsBundleExpects() {
        dns.add("mx.example", Type.A, "192.0.2.1", 300); // _25._tcp.mx.example does not exist
        dns.add("_25._tcp.nodata.example", Type.TXT, "\"x\"", 300);
        dns.servfail("_25._tcp.broken.example");
        dns.authenticData(true);
        StubResolver r = resolver(DnssecMode.TRUST_AD, Optional.empty());

        assertThat(failure(r.tlsa(MX_TLSA)).reason()).isEqualTo(Reason.NO_SUCH_DOMAIN);
        TlsaAnswer nodata = get(r.tlsa("_25._tcp.nodata.example"));
        assertThat(nodata.records()).isEmpty();
        assertThat(nodata.authentic()).isTrue();
        DnsException servfail = failure(r.tlsa("_25._tcp.broken.example"));
        assertThat(servfail.reason()).isEqualTo(Reason.SERVER_FAILURE);
        assertThat(servfail.getMessage())
                .isNotEqualTo(org.karavel.api.dns.Resolver.TLSA_UNSUPPORTED)
                .contains("SERVFAIL");
    }

    @Test
    void answersAreCachedForTheirTtlAndServerFailuresAreNot() {
        dns.add(MX_TLSA, Type.TLSA, "3 1 1 " + HASH, 1);
        dns.add("_25._tcp.long.example", Type.TLSA, "3 1 1 " + HASH, 300);
        dns.servfail("_25._tcp.broken.example");
        StubResolver r = resolver(DnssecMode.TRUST_AD, Optional.empty());

        get(r.tlsa("_25._tcp.long.example"));
        get(r.tlsa("_25._tcp.long.example"));
        assertThat(dns.queries("_25._tcp.long.example")).isEqualTo(1);

        failure(r.tlsa("_25._tcp.broken.example"));
        failure(r.tlsa("_25._tcp.broken.example"));
        assertThat(dns.queries("_25._tcp.broken.example")).isGreaterThanOrEqualTo(2);

        get(r.tlsa(MX_TLSA));
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    get(r.tlsa(MX_TLSA));
                    assertThat(dns.queries(MX_TLSA)).isEqualTo(2);
                });
        assertThat(r.cacheSize()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aCnameChainIsFollowed() {
        dns.add(MX_TLSA, Type.CNAME, "tlsa.hosting.example.", 300);
        dns.add("tlsa.hosting.example", Type.TLSA, "3 1 1 " + HASH, 300);
        dns.authenticData(true);

        TlsaAnswer answer = get(resolver(DnssecMode.TRUST_AD, Optional.empty()).tlsa(MX_TLSA));

        assertThat(answer.records()).extracting(TlsaRecord::usage).containsExactly(3);
        assertThat(answer.authentic()).isTrue();
    }

    @Test
    void questionsAreCounted() {
        dns.add(MX_TLSA, Type.TLSA, "3 1 1 " + HASH, 300);
        DnsCounters counters = new DnsCounters();
        resolver = new StubResolver(
                DnsSettings.defaults(List.of(dns.socketAddress())).withDnssec(DnssecMode.TRUST_AD, Optional.empty()),
                counters);
        get(resolver.tlsa(MX_TLSA));
        failure(resolver.tlsa("_25._tcp.nosuch.example"));
        assertThat(counters.queries("tlsa")).isEqualTo(2);
        assertThat(counters.errors("nxdomain")).isEqualTo(1);
    }

    // --- validate: a zone signed here, its DNSKEY as the trust anchor ---

    @Test
    void validateCallsASignedAnswerAuthenticAndATamperedOneBogus(@TempDir Path dir) throws Exception {
        SignedZone zone = new SignedZone(dns, "secure.example.");

        Name good = Name.fromString("_25._tcp.mx.secure.example.");
        TLSARecord goodTlsa =
                (TLSARecord) Record.fromString(good, Type.TLSA, DClass.IN, 300, "3 1 1 " + HASH, Name.root);
        zone.addSigned(goodTlsa);

        Name bad = Name.fromString("_25._tcp.mx2.secure.example.");
        TLSARecord signed = (TLSARecord) Record.fromString(bad, Type.TLSA, DClass.IN, 300, "3 1 1 " + HASH, Name.root);
        dns.add(Record.fromString(bad, Type.TLSA, DClass.IN, 300, "3 1 1 " + HASH.replace('0', 'F'), Name.root));
        dns.add(zone.sign(signed)); // signs other data

        dns.add("_25._tcp.mx.plain.example", Type.TLSA, "3 1 1 " + HASH, 300); // outside the trust anchor

        StubResolver r = resolver(DnssecMode.VALIDATE, Optional.of(zone.trustAnchors(dir)));

        TlsaAnswer secure = get(r.tlsa(good.toString()));
        assertThat(secure.authentic()).isTrue();
        assertThat(secure.records()).extracting(TlsaRecord::toString).containsExactly("3 1 1 " + HASH);

        DnsException bogus = failure(r.tlsa(bad.toString()));
        assertThat(bogus.reason()).isEqualTo(Reason.SERVER_FAILURE);
        assertThat(bogus.getMessage()).isNotEqualTo(org.karavel.api.dns.Resolver.TLSA_UNSUPPORTED);

        TlsaAnswer insecure = get(r.tlsa("_25._tcp.mx.plain.example"));
        assertThat(insecure.authentic()).isFalse();
        assertThat(insecure.records()).hasSize(1);
    }

    @Test
    void validateNeedsAReadableTrustAnchorFileWithAnchors(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> DnsSettings.defaults(List.of(dns.socketAddress()))
                        .withDnssec(DnssecMode.VALIDATE, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trust_anchor_file");
        assertThatThrownBy(() -> resolver(DnssecMode.VALIDATE, Optional.of(dir.resolve("missing.key"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing.key");
        Path empty = Files.writeString(dir.resolve("empty.key"), "; nothing here\n");
        assertThatThrownBy(() -> resolver(DnssecMode.VALIDATE, Optional.of(empty)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no DS or DNSKEY");
        resolver = null;
    }

    @Test
    void theModeIsReadFromTheConfiguration() {
        DnsSettings s = DnsSettings.from(
                DnsComponentTest.config(Map.of("servers", new String[] {"127.0.0.1"}, "dnssec", "trust_ad")));
        assertThat(s.dnssec()).isEqualTo(DnssecMode.TRUST_AD);
        assertThat(DnsSettings.from(DnsComponentTest.config(Map.of("servers", new String[] {"127.0.0.1"})))
                        .dnssec())
                .isEqualTo(DnssecMode.OFF);
        DnsSettings v = DnsSettings.from(DnsComponentTest.config(Map.of(
                "servers",
                new String[] {"127.0.0.1"},
                "dnssec",
                "validate",
                "trust__anchor__file",
                "/etc/unbound/root.key")));
        assertThat(v.trustAnchorFile()).contains(Path.of("/etc/unbound/root.key"));
        assertThatThrownBy(() -> DnssecMode.parse("yes")).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ MX with its DNSSEC verdict (issue 13)

    @Test
    void anMxAnswerCarriesItsAdBitUnderTrustAdAndNeverWithDnssecOff() {
        dns.add("signed.example", Type.MX, "20 mx2.signed.example.", 300);
        dns.add("signed.example", Type.MX, "10 mx1.signed.example.", 300);
        dns.add("spoofable.example", Type.MX, "10 mx.attacker.example.", 300);
        dns.authenticData("signed.example");
        StubResolver r = resolver(DnssecMode.TRUST_AD, Optional.empty());

        var signed = get(r.mxAnswer("signed.example"));
        var spoofable = get(r.mxAnswer("spoofable.example"));

        assertThat(signed.authentic()).isTrue();
        assertThat(signed.records())
                .extracting(m -> m.preference() + " " + m.host())
                .containsExactly("10 mx1.signed.example", "20 mx2.signed.example");
        assertThat(dns.lastQuery("signed.example").getHeader().getFlag(Flags.AD))
                .isTrue();
        assertThat(spoofable.authentic()).isFalse();
        assertThat(spoofable.records()).hasSize(1);
        assertThat(failure(r.mxAnswer("missing.example")).reason()).isEqualTo(Reason.NO_SUCH_DOMAIN);
        // cached with its verdict: no second question
        int asked = dns.queries("signed.example");
        assertThat(get(r.mxAnswer("signed.example")).authentic()).isTrue();
        assertThat(dns.queries("signed.example")).isEqualTo(asked);

        resolver.close();
        StubResolver off = resolver(DnssecMode.OFF, Optional.empty());
        var plain = get(off.mxAnswer("signed.example"));
        assertThat(plain.authentic()).isFalse();
        assertThat(plain.records()).hasSize(2);
    }

    @Test
    void validateCallsASignedMxRrsetAuthenticAndAnUnsignedOneNot(@TempDir Path dir) throws Exception {
        SignedZone zone = new SignedZone(dns, "secure.example.");
        zone.addSigned(Record.fromString(zone.name, Type.MX, DClass.IN, 300, "10 mx.secure.example.", Name.root));
        dns.add("plain.example", Type.MX, "10 mx.plain.example.", 300); // outside the trust anchor
        StubResolver r = resolver(DnssecMode.VALIDATE, Optional.of(zone.trustAnchors(dir)));

        var secure = get(r.mxAnswer("secure.example"));
        var insecure = get(r.mxAnswer("plain.example"));

        assertThat(secure.authentic()).isTrue();
        assertThat(secure.records()).extracting(m -> m.host()).containsExactly("mx.secure.example");
        assertThat(insecure.authentic()).isFalse();
        assertThat(insecure.records()).extracting(m -> m.host()).containsExactly("mx.plain.example");
    }

    /** A zone signed in memory (EC P-256) on the test's DNS server, its DNSKEY the trust anchor. */
    private static final class SignedZone {
        final Name name;
        private final LoopbackDnsServer dns;
        private final KeyPair keys;
        private final DNSKEYRecord dnskey;
        private final Instant inception = Instant.now().minus(Duration.ofHours(1));
        private final Instant expiration = Instant.now().plus(Duration.ofDays(1));

        SignedZone(LoopbackDnsServer dns, String zone) throws Exception {
            this.dns = dns;
            name = Name.fromString(zone);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            keys = generator.generateKeyPair();
            dnskey = new DNSKEYRecord(
                    name,
                    DClass.IN,
                    3600,
                    DNSKEYRecord.Flags.ZONE_KEY | DNSKEYRecord.Flags.SEP_KEY,
                    DNSKEYRecord.Protocol.DNSSEC,
                    DNSSEC.Algorithm.ECDSAP256SHA256,
                    keys.getPublic());
            addSigned(dnskey);
        }

        Record sign(Record r) throws Exception {
            return DNSSEC.sign(new RRset(r), dnskey, keys.getPrivate(), inception, expiration);
        }

        void addSigned(Record r) throws Exception {
            dns.add(r);
            dns.add(sign(r));
        }

        Path trustAnchors(Path dir) throws Exception {
            Path anchors = dir.resolve("root.key");
            Files.writeString(anchors, dnskey.toString() + "\n");
            return anchors;
        }
    }
}
