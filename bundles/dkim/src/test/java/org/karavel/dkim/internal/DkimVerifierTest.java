package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.LoopbackResolver;
import org.xbill.DNS.Type;

/** DKIM verification of the RFC 8463 Appendix A example, its keys served by a DNS server on 127.0.0.1. */
class DkimVerifierTest {
    private LoopbackDnsServer dns;
    private ExecutorService worker;
    private DkimVerifier verifier;

    @BeforeEach
    void start() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.add("brisbane._domainkey.football.example.com", Type.TXT, quoted(TestMessages.ED25519_KEY), 60);
        dns.add("test._domainkey.football.example.com", Type.TXT, quoted(TestMessages.RSA_KEY), 60);
        worker = Executors.newFixedThreadPool(2);
        verifier = new DkimVerifier(
                new LoopbackResolver(dns.port()),
                worker,
                Clock.fixed(Instant.parse("2018-06-10T13:38:29Z"), ZoneOffset.UTC));
    }

    @AfterEach
    void stop() {
        worker.shutdownNow();
        dns.close();
    }

    static String quoted(String s) {
        return "\"" + s + "\"";
    }

    private List<DkimResult> verify(String raw) throws Exception {
        ReceivedMessage m =
                ReceivedMessage.read(new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1)), 65536);
        return verifier.verify(m).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void bothSignaturesOfRfc8463AppendixAVerify() throws Exception {
        List<DkimResult> r = verify(TestMessages.RFC8463);

        assertThat(r).extracting(DkimResult::result).containsExactly("pass", "pass");
        assertThat(r).extracting(DkimResult::selector).containsExactly("brisbane", "test");
        assertThat(r.get(0).domain()).isEqualTo("football.example.com");
        assertThat(r.get(0).shortB()).isEqualTo("/gCrinpc");
    }

    @Test
    void changedBodyFailsTheBodyHash() throws Exception {
        List<DkimResult> r = verify(TestMessages.RFC8463.replace("hungry", "thirsty"));

        assertThat(r).extracting(DkimResult::result).containsExactly("fail", "fail");
        assertThat(r.get(0).reason()).isEqualTo("body hash did not verify");
    }

    @Test
    void changedSignedHeaderFailsTheSignature() throws Exception {
        List<DkimResult> r = verify(TestMessages.RFC8463.replace("Is dinner ready?", "Is lunch ready?"));

        assertThat(r).extracting(DkimResult::result).containsExactly("fail", "fail");
        assertThat(r.get(1).reason()).isEqualTo("signature did not verify");
    }

    @Test
    void addedUnsignedHeaderAndRefoldingStillPassUnderRelaxed() throws Exception {
        String changed = TestMessages.RFC8463
                .replace("Subject: Is dinner ready?", "Subject:   Is dinner\r\n\tready?  ")
                .replace("From: Joe", "X-Added: yes\r\nFrom: Joe");

        assertThat(verify(changed)).extracting(DkimResult::result).containsExactly("pass", "pass");
    }

    @Test
    void missingKeyIsPermerrorAndServfailIsTemperror() throws Exception {
        dns.servfail("test._domainkey.football.example.com");
        String other = TestMessages.RFC8463.replace("s=brisbane", "s=gone");

        List<DkimResult> r = verify(other);

        assertThat(r.get(0).result()).isEqualTo("permerror");
        assertThat(r.get(0).reason()).isEqualTo("no key");
        assertThat(r.get(1).result()).isEqualTo("temperror");
    }

    @Test
    void rsaSha1IsNeverAcceptedAndTamperedAlgorithmTagFailsNothingElse() throws Exception {
        List<DkimResult> r = verify(TestMessages.RFC8463.replace("a=rsa-sha256", "a=rsa-sha1"));

        assertThat(r.get(0).result()).isEqualTo("pass");
        assertThat(r.get(1).result()).isEqualTo("policy");
        assertThat(r.get(1).reason()).contains("rsa-sha1");
    }

    @Test
    void revokedKeyAndBrokenSignatureFieldArePermerrors() throws Exception {
        dns.add("revoked._domainkey.football.example.com", Type.TXT, quoted("v=DKIM1; k=ed25519; p="), 60);
        String raw = TestMessages.RFC8463
                .replace("s=brisbane", "s=revoked")
                .replace("a=rsa-sha256; c=relaxed/relaxed;", "a=rsa-sha256; c=relaxed/bogus;");

        List<DkimResult> r = verify(raw);

        assertThat(r.get(0).result()).isEqualTo("permerror");
        assertThat(r.get(0).reason()).isEqualTo("key revoked");
        assertThat(r.get(1).result()).isEqualTo("permerror");
        assertThat(r.get(1).reason()).isEqualTo("unknown canonicalization relaxed/bogus");
        assertThat(r.get(1).domain()).isEqualTo("football.example.com");
    }

    @Test
    void expiredSignatureIsNeutral() throws Exception {
        String raw = TestMessages.RFC8463.replace("t=1528637909;", "t=1528637909; x=1528637909;");
        verifier = new DkimVerifier(
                new LoopbackResolver(dns.port()),
                worker,
                Clock.fixed(Instant.parse("2018-06-11T00:00:00Z"), ZoneOffset.UTC));

        List<DkimResult> r = verify(raw);

        assertThat(r).extracting(DkimResult::result).containsExactly("neutral", "neutral");
        assertThat(r.get(0).reason()).isEqualTo("signature expired");
    }

    @Test
    void keyRecordParsingFollowsRfc6376() throws Exception {
        DkimKey k = DkimKey.parse(TestMessages.RSA_KEY + "; t=y:s; h=sha256");

        assertThat(k.type()).isEqualTo("rsa");
        assertThat(k.rsaBits()).isEqualTo(1024);
        assertThat(k.testing()).isTrue();
        assertThat(k.strictIdentity()).isTrue();
        assertThat(k.hashes()).containsExactly("sha256");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DkimKey.parse("k=rsa; v=DKIM1; p=abc"))
                .isInstanceOf(DkimKey.KeyException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DkimKey.parse("v=DKIM1; p=" + "MIGf".repeat(2)))
                .isInstanceOf(DkimKey.KeyException.class);
    }
}
