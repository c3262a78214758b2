package org.karavel.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.karavel.api.dns.TlsaRecord;
import org.karavel.api.tls.TlsFailure;
import org.karavel.tls.internal.OutboundPki.Issued;

class DaneMatchTest {
    static Issued root;
    static Issued intermediate;
    static Issued leaf;
    static Issued expiredLeaf;
    static X509Certificate[] chain;
    static final Clock CLOCK = Clock.systemUTC();
    static final List<String> NAMES = List.of("mx.dane.test");

    @BeforeAll
    static void pki() throws Exception {
        root = OutboundPki.ca("DANE Root");
        intermediate = OutboundPki.intermediate(root, "DANE Intermediate");
        leaf = OutboundPki.server(intermediate, "mx.dane.test");
        expiredLeaf = OutboundPki.server(
                intermediate,
                Instant.now().minus(Duration.ofDays(60)),
                Instant.now().minus(Duration.ofDays(30)),
                "other.name.test");
        chain = new X509Certificate[] {leaf.certificate(), intermediate.certificate(), root.certificate()};
    }

    static byte[] select(X509Certificate certificate, int selector) throws Exception {
        return selector == 0
                ? certificate.getEncoded()
                : certificate.getPublicKey().getEncoded();
    }

    static byte[] digest(byte[] data, int matchingType) throws Exception {
        return switch (matchingType) {
            case 0 -> data;
            case 1 -> MessageDigest.getInstance("SHA-256").digest(data);
            default -> MessageDigest.getInstance("SHA-512").digest(data);
        };
    }

    static TlsaRecord record(int usage, int selector, int matchingType, X509Certificate certificate) throws Exception {
        return new TlsaRecord(usage, selector, matchingType, digest(select(certificate, selector), matchingType));
    }

    @Test
    void daneEeMatchesTheLeafForEverySelectorAndMatchingType() throws Exception {
        for (int selector = 0; selector <= 1; selector++) {
            for (int type = 0; type <= 2; type++) {
                TlsaRecord good = record(3, selector, type, leaf.certificate());
                assertThat(DaneMatch.check(List.of(good), chain, NAMES, CLOCK))
                        .as("3 %d %d", selector, type)
                        .isNull();
                TlsaRecord other = record(3, selector, type, intermediate.certificate());
                assertThat(DaneMatch.check(List.of(other), chain, NAMES, CLOCK))
                        .as("3 %d %d other", selector, type)
                        .isNotNull();
            }
        }
    }

    @Test
    void daneEeChecksNeitherNameNorExpiry() throws Exception {
        X509Certificate[] expired = {expiredLeaf.certificate()};
        assertThat(DaneMatch.check(List.of(record(3, 1, 1, expiredLeaf.certificate())), expired, NAMES, CLOCK))
                .isNull();
    }

    @Test
    void daneTaMatchesAnIssuerForEverySelectorAndMatchingType() throws Exception {
        for (int selector = 0; selector <= 1; selector++) {
            for (int type = 0; type <= 2; type++) {
                assertThat(DaneMatch.check(
                                List.of(record(2, selector, type, intermediate.certificate())), chain, NAMES, CLOCK))
                        .as("2 %d %d intermediate", selector, type)
                        .isNull();
                assertThat(DaneMatch.check(List.of(record(2, selector, type, root.certificate())), chain, NAMES, CLOCK))
                        .as("2 %d %d root", selector, type)
                        .isNull();
            }
        }
    }

    @Test
    void daneTaNeedsTheMxNameAndAValidLeaf() throws Exception {
        TlsaRecord ta = record(2, 1, 1, intermediate.certificate());
        CertificateCheck.Problem wrongName = DaneMatch.check(List.of(ta), chain, List.of("mx.elsewhere.test"), CLOCK);
        assertThat(wrongName.failure()).isEqualTo(TlsFailure.CERTIFICATE_HOST_MISMATCH);
        X509Certificate[] expired = {expiredLeaf.certificate(), intermediate.certificate()};
        CertificateCheck.Problem old = DaneMatch.check(List.of(ta), expired, List.of("other.name.test"), CLOCK);
        assertThat(old.failure()).isEqualTo(TlsFailure.CERTIFICATE_EXPIRED);
    }

    @Test
    void daneTaDoesNotMatchTheLeafItself() throws Exception {
        assertThat(DaneMatch.check(List.of(record(2, 0, 1, leaf.certificate())), chain, NAMES, CLOCK))
                .isNotNull();
    }

    @Test
    void pkixUsagesAreNotUsedForSmtp() throws Exception {
        TlsaRecord pkixEe = record(1, 0, 1, leaf.certificate());
        TlsaRecord pkixTa = record(0, 0, 1, root.certificate());
        assertThat(pkixEe.usableForSmtp()).isFalse();
        assertThat(DaneMatch.check(List.of(pkixEe, pkixTa), chain, NAMES, CLOCK).failure())
                .isEqualTo(TlsFailure.VALIDATION_FAILURE);
    }

    @Test
    void aMatchingRecordAmongOthersIsEnough() throws Exception {
        List<TlsaRecord> records = List.of(
                record(3, 1, 1, root.certificate()),
                new TlsaRecord(3, 1, 1, new byte[32]),
                record(3, 1, 2, leaf.certificate()));
        assertThat(DaneMatch.check(records, chain, NAMES, CLOCK)).isNull();
        assertThat(records.get(2).toString()).startsWith("3 1 2 ");
    }
}
