package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.Origin;

/** The OutboundSigner: which messages are signed, with what, and what is counted when not. */
class OutboundSigningTest {
    @TempDir
    Path dir;

    private final SigningCounters counters = new SigningCounters();
    private KeyDirectory keys;
    private OutboundSigning signing;

    @BeforeEach
    void setUp() {
        keys = new KeyDirectory(dir, 0, System::nanoTime);
        signing = new OutboundSigning(
                keys,
                Set.of("football.example.com", "example.org")::contains,
                Duration.ofDays(7),
                65536,
                counters,
                Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC));
    }

    private String sign(String message) throws Exception {
        return sign(message, Origin.submission("joe@football.example.com"));
    }

    private String sign(String message, Origin origin) throws Exception {
        Envelope e = new Envelope(
                MailAddress.parse("joe@football.example.com"),
                List.of(MailAddress.parse("suzie@shopping.example.net")),
                Map.of(),
                Instant.now(),
                "127.0.0.1",
                "localhost",
                "submission",
                "joe@football.example.com",
                origin);
        return signing.sign(e, new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void mailFromTheInternetIsNeverSignedAndEveryOriginHereIs() throws Exception {
        keys.generate("football.example.com", "2026r", "rsa", 2048);

        assertThat(sign(MessageSignerTest.MESSAGE, Origin.internet("192.0.2.7")))
                .isEmpty();
        assertThat(counters.signedCount("rsa-sha256")).isZero();
        for (Origin here : List.of(
                Origin.submission("joe"),
                Origin.relayHost("127.0.0.1"),
                Origin.adminApi("admin"),
                Origin.local("dsn"))) {
            assertThat(sign(MessageSignerTest.MESSAGE, here))
                    .as(here.toString())
                    .startsWith("DKIM-Signature: ");
        }
        assertThat(counters.signedCount("rsa-sha256")).isEqualTo(4);
    }

    @Test
    void aLocalDomainWithBothKeysGetsTwoSignaturesThatVerify() throws Exception {
        SigningKey rsa = keys.generate("football.example.com", "2026r", "rsa", 2048);
        SigningKey ed = keys.generate("football.example.com", "2026e", "ed25519", 0);

        String fields = sign(MessageSignerTest.MESSAGE);
        String signed = fields + MessageSignerTest.MESSAGE;

        assertThat(fields)
                .startsWith(
                        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n\td=football.example.com; s=2026r;")
                .endsWith("\r\n")
                .contains("t=1800000000; x=1800604800;", "h=from:from:", "a=ed25519-sha256");
        assertThat(fields.split("DKIM-Signature:", -1)).hasSize(3);
        assertThat(IndependentDkimVerifier.verify(signed, 0, rsa.txt())).isTrue();
        assertThat(IndependentDkimVerifier.verify(signed, 1, ed.txt())).isTrue();
        assertThat(counters.signedCount("rsa-sha256")).isEqualTo(1);
        assertThat(counters.signedCount("ed25519-sha256")).isEqualTo(1);
    }

    @Test
    void aForeignFromDomainIsNotSignedAndNotCountedAsMissing() throws Exception {
        keys.generate("football.example.com", "s", "rsa", 1024);

        assertThat(sign(MessageSignerTest.MESSAGE.replace("joe@football.example.com", "joe@elsewhere.example")))
                .isEmpty();
        assertThat(counters.metrics().get(2).samples().get(0).value()).isEqualTo(1);
        assertThat(counters.unsignedCount("no_key")).isZero();
    }

    @Test
    void noKeyOrABrokenKeyLeavesTheMessageUnsignedAndCounted() throws Exception {
        assertThat(sign(MessageSignerTest.MESSAGE)).isEmpty();
        assertThat(counters.unsignedCount("no_key")).isEqualTo(1);

        Files.writeString(dir.resolve("football.example.com.s.rsa.pem"), "garbage");
        assertThat(sign(MessageSignerTest.MESSAGE)).isEmpty();
        assertThat(counters.unsignedCount("broken_key")).isEqualTo(1);

        assertThat(sign(MessageSignerTest.MESSAGE.replace("From: Joe SixPack <joe@football.example.com>\r\n", "")))
                .isEmpty();
        assertThat(counters.unsignedCount("no_from")).isEqualTo(1);
        assertThat(counters.metrics().get(1).samples()).hasSize(3);
    }

    @Test
    void anEd25519KeyAloneStillSigns() throws Exception {
        SigningKey ed = keys.generate("example.org", "e", "ed25519", 0);

        String fields = sign(MessageSignerTest.MESSAGE.replace("joe@football.example.com>", "joe@Example.ORG>"));

        assertThat(fields).contains("a=ed25519-sha256", "d=example.org").doesNotContain("rsa-sha256");
        assertThat(IndependentDkimVerifier.verify(
                        fields + MessageSignerTest.MESSAGE.replace("joe@football.example.com>", "joe@Example.ORG>"),
                        0,
                        ed.txt()))
                .isTrue();
    }
}
