package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.karavel.api.dkim.DkimKeys;

class DnsRecordLinesTest {
    @Test
    void longTxtValuesAreSplitInto255OctetStrings() {
        String value = "v=DKIM1; k=rsa; p=" + "A".repeat(392);

        String line = DnsRecordLines.txt("2026a._domainkey.example.com", value);

        assertThat(line).startsWith("2026a._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=AAA");
        String strings = line.substring(line.indexOf('"'));
        assertThat(strings.split("\" \"")).hasSize(2);
        assertThat(strings.replace("\" \"", "").replace("\"", "")).isEqualTo(value);
        assertThat(strings.split("\" \"")[0].length()).isEqualTo(256); // the opening quote and 255 octets
        assertThat(DnsRecordLines.quoted("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
    }

    @Test
    void everyRecordOfADomain() {
        DkimKeys.KeyRecord rsa = new DkimKeys.KeyRecord(
                "example.com",
                "2026a",
                "rsa",
                2048,
                "/etc/karavel/dkim/example.com.2026a.rsa.pem",
                "2026a._domainkey.example.com",
                "v=DKIM1; k=rsa; p=MIIB",
                true);

        List<String> lines = DnsRecordLines.forDomain(
                "example.com",
                "mx.example.com",
                List.of(rsa),
                null,
                ZonedDateTime.of(2026, 11, 22, 8, 30, 5, 0, ZoneOffset.UTC));

        assertThat(lines)
                .contains(
                        "example.com. IN MX 10 mx.example.com.",
                        "example.com. IN TXT \"v=spf1 mx -all\"",
                        "2026a._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=MIIB\"",
                        "_dmarc.example.com. IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@example.com\"",
                        "_mta-sts.example.com. IN TXT \"v=STSv1; id=20261122083005\"",
                        "_smtp._tls.example.com. IN TXT \"v=TLSRPTv1; rua=mailto:postmaster@example.com\"");
        assertThat(lines).filteredOn(l -> !l.startsWith(";")).noneMatch(l -> l.contains("TLSA"));
        assertThat(DnsRecordLines.stsPolicy("mx.example.com"))
                .isEqualTo("version: STSv1\nmode: testing\nmx: mx.example.com\nmax_age: 604800\n");
    }

    @Test
    void twoKeysUnderOneSelectorAreAWarningBeforeTheirRecords() {
        DkimKeys.KeyRecord rsa = new DkimKeys.KeyRecord(
                "example.com",
                "kv1",
                "rsa",
                2048,
                "/etc/karavel/dkim/example.com.kv1.rsa.pem",
                "kv1._domainkey.example.com",
                "v=DKIM1; k=rsa; p=MIIB",
                true);
        DkimKeys.KeyRecord ed = new DkimKeys.KeyRecord(
                "example.com",
                "KV1",
                "ed25519",
                256,
                "/etc/karavel/dkim/example.com.KV1.ed25519.pem",
                "KV1._domainkey.example.com",
                "v=DKIM1; k=ed25519; p=abc",
                true);
        DkimKeys.KeyRecord other = new DkimKeys.KeyRecord(
                "example.com",
                "kv2",
                "ed25519",
                256,
                "/etc/karavel/dkim/example.com.kv2.ed25519.pem",
                "kv2._domainkey.example.com",
                "v=DKIM1; k=ed25519; p=def",
                false);

        List<String> lines = DnsRecordLines.forDomain(
                "example.com",
                "mx.example.com",
                List.of(rsa, ed, other),
                null,
                ZonedDateTime.of(2026, 11, 22, 8, 30, 5, 0, ZoneOffset.UTC));

        List<String> warnings =
                lines.stream().filter(l -> l.startsWith("; warning:")).toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0))
                .contains(
                        "2 keys share the selector kv1",
                        "example.com.kv1.rsa.pem",
                        "example.com.KV1.ed25519.pem",
                        "kv1._domainkey.example.com")
                .doesNotContain("kv2");
        assertThat(lines.indexOf(warnings.get(0)))
                .isLessThan(lines.indexOf("kv1._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=MIIB\""));
        assertThat(DnsRecordLines.sharedSelectorWarnings(List.of(rsa, other))).isEmpty();
    }

    @Test
    void tlsaIsTheSha256OfTheCertificatesPublicKey() throws Exception {
        // a self-signed P-256 certificate made with openssl for this test
        X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(getClass().getResourceAsStream("/localhost.pem"));

        String line = DnsRecordLines.tlsa("mx.example.com", certificate);

        // openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256
        assertThat(line)
                .isEqualTo(
                        "_25._tcp.mx.example.com. IN TLSA 3 1 1 19b89417642b6e41cc97ba8f18b3568dff281ab864af57a7294815ef4989cd8c");
    }
}
