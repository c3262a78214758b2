package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.karavel.api.address.FromField;

/**
 * Coverage-guided fuzzing of the header parsing that DKIM and DMARC verification do on mail from
 * anyone: the header block, DKIM-Signature tag lists, DKIM key records, DMARC TXT records and From
 * fields. None may throw anything but its documented exception; a hostile message must never break
 * verification.
 * Seeds in HeaderParsingFuzzTestInputs/&lt;method&gt;/ (raw octets: a message, a record, a field value).
 */
class HeaderParsingFuzzTest {
    private static final Set<String> POLICIES = Set.of("none", "quarantine", "reject");

    /** A whole message as received: header fields, DKIM-Signature parsing, body hashes. */
    @FuzzTest(maxDuration = "5m")
    void receivedMessage(byte[] input) throws IOException {
        ReceivedMessage m = ReceivedMessage.read(new ByteArrayInputStream(input), 8192);
        if (m.headerTooLarge()) {
            assertThat(m.headers()).isEmpty();
        }
        for (HeaderField f : m.headers()) {
            assertThat(f.raw()).contains(":");
            assertThat(f.value()).doesNotContain("\r\n");
        }
        for (ReceivedMessage.SignatureField s : m.signatures()) {
            assertThat(s.field().is("DKIM-Signature")).isTrue();
            assertThat(s.signature() == null)
                    .as("exactly one of signature and error")
                    .isNotEqualTo(s.error() == null);
            if (s.signature() != null) {
                DkimSignature sig = s.signature();
                assertThat(sig.domain()).isNotEmpty();
                assertThat(sig.signedHeaders()).anyMatch(h -> h.equalsIgnoreCase("from"));
                assertThat(sig.keyName()).endsWith("._domainkey." + sig.domain());
            }
        }
        // the header block parser on its own, as text
        List<HeaderField> fields = ReceivedMessage.fields(new String(input, StandardCharsets.ISO_8859_1));
        for (HeaderField f : fields) {
            assertThat(f.raw().indexOf(':')).isPositive();
        }
    }

    /** Tag=value lists: IllegalArgumentException only; what parses prints back to the same tags. */
    @FuzzTest(maxDuration = "5m")
    void tagList(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        TagList tags;
        try {
            tags = TagList.parse(text);
        } catch (IllegalArgumentException expected) {
            return;
        }
        String printed = tags.names().stream()
                .map(n -> n + "=" + tags.get(n).orElseThrow())
                .collect(Collectors.joining("; "));
        TagList again = TagList.parse(printed);
        assertThat(again.names()).containsExactlyElementsOf(tags.names());
        for (String n : tags.names()) {
            assertThat(again.get(n)).isEqualTo(tags.get(n));
        }
    }

    /**
     * DKIM key records from DNS: the octets as the DER of an RSA p= (BouncyCastle's ASN.1 parsing) and
     * as a whole record. KeyException only; an RSA key read has a modulus, unless revoked.
     */
    @FuzzTest(maxDuration = "5m")
    void dkimKey(byte[] input) {
        try {
            DkimKey k = DkimKey.parse("v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(input));
            // an empty input is an empty p=: a revoked key
            assertThat(k.rsaBits() > 0).isEqualTo(k.key().isPresent());
        } catch (DkimKey.KeyException expected) {
            // refused, as an unusable key must be
        }
        try {
            DkimKey k = DkimKey.parse(new String(input, StandardCharsets.UTF_8));
            assertThat(k.type()).isIn("rsa", "ed25519");
        } catch (DkimKey.KeyException expected) {
            // refused
        }
    }

    /** DMARC TXT records: never an exception; a record found has a valid policy and percentage. */
    @FuzzTest(maxDuration = "5m")
    void dmarcRecord(byte[] input) {
        Optional<DmarcRecord> record = DmarcRecord.parse(new String(input, StandardCharsets.UTF_8));
        record.ifPresent(r -> {
            assertThat(r.policy()).isIn(POLICIES);
            r.subdomainPolicy().ifPresent(sp -> assertThat(sp).isIn(POLICIES));
            assertThat(r.percent()).isBetween(0, 100);
        });
    }

    /** RFC 5322 From values (DMARC's author domain): never an exception, never a null address. */
    @FuzzTest(maxDuration = "5m")
    void fromField(byte[] input) {
        List<String> addresses = FromField.addresses(new String(input, StandardCharsets.UTF_8));
        assertThat(addresses).doesNotContainNull();
    }
}
