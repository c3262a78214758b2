package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.FromField;
import org.karavel.api.filter.Verdict;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.LoopbackResolver;
import org.xbill.DNS.Type;

/** The whole check at end of message, with SPF, DKIM and DMARC records on a DNS server on 127.0.0.1. */
class MessageAuthenticationTest {
    private static final String ID = "mx.example.org";

    private LoopbackDnsServer dns;
    private ExecutorService worker;
    private final VerificationCounters counters = new VerificationCounters();

    @BeforeEach
    void start() throws Exception {
        dns = LoopbackDnsServer.start();
        dns.add(
                "brisbane._domainkey.football.example.com",
                Type.TXT,
                DkimVerifierTest.quoted(TestMessages.ED25519_KEY),
                60);
        dns.add("test._domainkey.football.example.com", Type.TXT, DkimVerifierTest.quoted(TestMessages.RSA_KEY), 60);
        dns.add("football.example.com", Type.TXT, "\"v=spf1 ip4:192.0.2.0/24 -all\"", 60);
        dns.add("mail.football.example.com", Type.TXT, "\"v=spf1 a -all\"", 60);
        dns.add("mail.football.example.com", Type.A, "192.0.2.1", 60);
        dns.add("_dmarc.example.com", Type.TXT, "\"v=DMARC1; p=reject\"", 60);
        worker = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void stop() {
        worker.shutdownNow();
        dns.close();
    }

    private MessageAuthentication check(boolean dmarcReject, Duration timeout) throws Exception {
        return check(new VerificationSettings(true, ID, Set.of("mx"), dmarcReject, true, timeout, 65536));
    }

    private MessageAuthentication check(VerificationSettings s) throws Exception {
        return new MessageAuthentication(
                s,
                new LoopbackResolver(dns.port()),
                worker,
                counters,
                Clock.fixed(Instant.parse("2018-06-10T13:38:29Z"), ZoneOffset.UTC),
                () -> 0);
    }

    private Verdict run(
            MessageAuthentication check,
            String ip,
            String helo,
            String user,
            String listener,
            String sender,
            String raw)
            throws Exception {
        return check.endOfMessage(
                        TestMessages.session(ip, helo, user, listener),
                        TestMessages.envelope(sender),
                        TestMessages.message(raw))
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    private static String header(Verdict v) {
        return v.headers().stream()
                .filter(h -> h.name().equals("Authentication-Results"))
                .findFirst()
                .orElseThrow()
                .value();
    }

    @Test
    void signedMessageFromAnAuthorisedHostPassesEverything() throws Exception {
        Verdict v = run(
                check(false, Duration.ofSeconds(10)),
                "192.0.2.1",
                "mail.football.example.com",
                null,
                "mx",
                "joe@football.example.com",
                TestMessages.RFC8463);

        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(header(v))
                .isEqualTo("mx.example.org; spf=pass smtp.mailfrom=football.example.com; "
                        + "spf=pass smtp.helo=mail.football.example.com; "
                        + "dkim=pass header.d=football.example.com header.s=brisbane header.b=\"/gCrinpc\"; "
                        + "dkim=pass header.d=football.example.com header.s=test header.b=F45dVWDf; "
                        + "dmarc=pass (p=reject dis=none) header.from=football.example.com");
        assertThat(counters.count("dkim", "pass")).isEqualTo(2);
        assertThat(counters.count("dmarc", "pass")).isEqualTo(1);
    }

    @Test
    void unsignedMessageFromAnotherHostFailsDmarcAndIsRefusedOnlyWhenConfigured() throws Exception {
        String raw = TestMessages.RFC8463.substring(TestMessages.RFC8463.indexOf("From: Joe"));

        Verdict recorded = run(
                check(false, Duration.ofSeconds(10)),
                "198.51.100.7",
                "client.example.net",
                null,
                "mx",
                "joe@football.example.com",
                raw);
        Verdict refused = run(
                check(true, Duration.ofSeconds(10)),
                "198.51.100.7",
                "client.example.net",
                null,
                "mx",
                "joe@football.example.com",
                raw);

        assertThat(header(recorded))
                .isEqualTo("mx.example.org; spf=fail smtp.mailfrom=football.example.com; "
                        + "spf=none smtp.helo=client.example.net; dkim=none; "
                        + "dmarc=fail (p=reject dis=reject) header.from=football.example.com");
        assertThat(recorded.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(refused.toString())
                .isEqualTo("550 5.7.1 Message rejected by the DMARC policy of football.example.com");
    }

    @Test
    void quarantinePolicyAddsAHeaderWhenActingOnDmarc() throws Exception {
        dns.add("_dmarc.example.net", Type.TXT, "\"v=DMARC1; p=quarantine\"", 60);
        String raw = "From: a@example.net\r\nSubject: hi\r\n\r\nbody\r\n";

        Verdict v = run(
                check(true, Duration.ofSeconds(10)),
                "198.51.100.7",
                "client.example.net",
                null,
                "mx",
                "a@example.net",
                raw);

        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(v.headers())
                .extracting(Verdict.Header::name)
                .contains("X-Karavel-Quarantine", "Authentication-Results");
    }

    @Test
    void forgedResultsClaimingOurIdAreRemovedOthersKept() throws Exception {
        String raw = "Authentication-Results: other.example; spf=pass\r\n"
                + "Authentication-Results: MX.example.org (forged); dkim=pass header.d=bank.example\r\n"
                + "From: a@example.net\r\n\r\nbody\r\n";

        Verdict v = run(
                check(false, Duration.ofSeconds(10)),
                "198.51.100.7",
                "client.example.net",
                null,
                "mx",
                "a@example.net",
                raw);
        Verdict skipped = run(
                check(false, Duration.ofSeconds(10)),
                "198.51.100.7",
                "client.example.net",
                "joe",
                "submission",
                "a@example.net",
                raw);

        assertThat(v.removedHeaders()).containsExactly(1);
        assertThat(skipped.removedHeaders()).containsExactly(1);
        assertThat(skipped.headers()).isEmpty();
    }

    @Test
    void authenticatedAndUncheckedListenersAreSkipped() throws Exception {
        MessageAuthentication c = check(false, Duration.ofSeconds(10));

        Verdict user = run(
                c,
                "198.51.100.7",
                "client.example.net",
                "joe",
                "mx",
                "a@example.net",
                "From: a@example.net\r\n\r\nx\r\n");
        Verdict submission = run(
                c,
                "198.51.100.7",
                "client.example.net",
                null,
                "submission",
                "a@example.net",
                "From: a@example.net\r\n\r\nx\r\n");

        var relayHost = TestMessages.session("198.51.100.8", "client.example.net", null, "mx");
        relayHost.attributes().put(org.karavel.api.filter.SessionView.RELAY_CLIENT, Boolean.TRUE);
        Verdict own = c.endOfMessage(
                        relayHost,
                        TestMessages.envelope("a@example.net"),
                        TestMessages.message("From: a@example.net\r\n\r\nx\r\n"))
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);

        assertThat(user.headers()).isEmpty();
        assertThat(submission.headers()).isEmpty();
        assertThat(own.headers()).isEmpty();
        assertThat(dns.queries("example.net")).isZero();
    }

    @Test
    void slowDnsGivesTemperrorWithinTheBudgetNotADeferral() throws Exception {
        dns.drop("slow.example");
        dns.drop("_dmarc.slow.example");
        long start = System.nanoTime();

        Verdict v = run(
                check(false, Duration.ofSeconds(1)),
                "198.51.100.7",
                "[198.51.100.7]",
                null,
                "mx",
                "a@slow.example",
                "From: a@slow.example\r\n\r\nx\r\n");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(header(v))
                .isEqualTo("mx.example.org; spf=temperror (time budget spent) smtp.mailfrom=slow.example; "
                        + "dkim=none; dmarc=temperror header.from=slow.example");
    }

    @Test
    void nullSenderIsCheckedThroughHelo() throws Exception {
        Verdict v = run(
                check(false, Duration.ofSeconds(10)),
                "192.0.2.1",
                "mail.football.example.com",
                null,
                "mx",
                "",
                "From: MAILER-DAEMON@mail.football.example.com\r\n\r\nx\r\n");

        assertThat(header(v))
                .startsWith("mx.example.org; spf=pass smtp.helo=mail.football.example.com; dkim=none; dmarc=");
    }

    @Test
    void authservIdIsReadPastCommentsAndVersions() {
        assertThat(AuthenticationResults.authservIdOf(" (c) Mx.Example.Org 1; none"))
                .isEqualTo("mx.example.org");
        assertThat(AuthenticationResults.authservIdOf("mx.example.org;spf=pass"))
                .isEqualTo("mx.example.org");
        assertThat(FromField.addresses("\"Doe, Jane\" <jane@example.com> (home)"))
                .containsExactly("jane@example.com");
        assertThat(FromField.addresses("a@example.com, b@example.org")).hasSize(2);
    }

    // ------------------------------------------------------------------ strict DMARC (issue 13)

    @Test
    void mailWithoutExactlyOneFromAddressIsRefusedWhenStrict() throws Exception {
        MessageAuthentication strict = check(false, Duration.ofSeconds(10));
        String refusal = "550 5.7.1 Message must have exactly one From header field with exactly one address";
        for (String header : List.of(
                "From: <joe@football.example.com>\r\nFrom: <ceo@bank.example>\r\n",
                "From: joe@football.example.com, ceo@bank.example\r\n",
                "Subject: no author\r\n",
                "From: undisclosed:;\r\n")) {
            Verdict v = run(
                    strict,
                    "198.51.100.7",
                    "client.example.net",
                    null,
                    "mx",
                    "joe@football.example.com",
                    header + "\r\nbody\r\n");
            assertThat(v.toString()).as(header).isEqualTo(refusal);
        }
        // a relay host's and an authenticated user's mail is not checked; strict_from off records permerror only
        Verdict user = run(
                strict,
                "198.51.100.7",
                "client.example.net",
                "joe",
                "submission",
                "joe@football.example.com",
                "From: a@example.net, b@example.net\r\n\r\nbody\r\n");
        assertThat(user.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        Verdict lenient = run(
                check(new VerificationSettings(
                        true, ID, Set.of("mx"), false, false, Duration.ofSeconds(10), 65536, false, false)),
                "198.51.100.7",
                "client.example.net",
                null,
                "mx",
                "joe@football.example.com",
                "From: a@example.net, b@example.net\r\n\r\nbody\r\n");
        assertThat(lenient.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(header(lenient)).endsWith("dmarc=permerror (no single From domain)");
    }

    @Test
    void aSignatureWhoseLengthLimitLeavesAppendedTextUnsignedFailsOrIsRefused() throws Exception {
        String headers = "From: Joe SixPack <joe@football.example.com>\r\nTo: Suzie Q <suzie@shopping.example.net>\r\n"
                + "Subject: Is dinner ready?\r\n";
        String body = "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";
        String signed = lengthLimitedSignature(headers, body) + headers + "\r\n" + body;
        String appended = signed + "\r\nP.S. Click https://bank.example.net/login to pay the caterer.\r\n";
        // from a host SPF does not allow: only DKIM can make DMARC pass
        MessageAuthentication c = check(false, Duration.ofSeconds(10));

        Verdict whole = run(c, "198.51.100.7", "client.example.net", null, "mx", "joe@football.example.com", signed);
        Verdict extended =
                run(c, "198.51.100.7", "client.example.net", null, "mx", "joe@football.example.com", appended);

        assertThat(header(whole)).contains("dkim=pass header.d=football.example.com header.s=brisbane", "dmarc=pass");
        assertThat(header(extended))
                .contains(
                        "dkim=fail (content after l= unsigned) header.d=football.example.com",
                        "dmarc=fail (p=reject dis=reject)");
        assertThat(extended.kind()).isEqualTo(Verdict.Kind.NO_OPINION);

        Verdict refused = run(
                check(new VerificationSettings(
                        true, ID, Set.of("mx"), false, true, Duration.ofSeconds(10), 65536, true, true)),
                "198.51.100.7",
                "client.example.net",
                null,
                "mx",
                "joe@football.example.com",
                appended);
        assertThat(refused.toString())
                .isEqualTo("550 5.7.1 Message has content not covered by its DKIM signature (l=)");
    }

    /** An ed25519 DKIM-Signature (the RFC 8463 key, selector brisbane) with l= the canonical length of {@code body}. */
    private static String lengthLimitedSignature(String headers, String body) throws Exception {
        BodyHash measure = new BodyHash(Canonicalization.RELAXED, "SHA-256", -1);
        byte[] octets = body.getBytes(StandardCharsets.ISO_8859_1);
        measure.update(octets, 0, octets.length);
        byte[] bh = measure.finish();
        String unsigned =
                "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=football.example.com; s=brisbane;\r\n"
                        + "\tl=" + measure.canonicalLength() + "; h=from:to:subject; bh="
                        + Base64.getEncoder().encodeToString(bh) + ";\r\n\tb=";
        List<HeaderField> fields = ReceivedMessage.fields(headers);
        byte[] b = MessageSigner.signature(
                "ed25519-sha256", MessageSignerTest.rfcEd25519(), fields, List.of("from", "to", "subject"), unsigned);
        return unsigned + Base64.getEncoder().encodeToString(b) + "\r\n";
    }

    @Test
    void forgedResultsAreRemovedWhereverTheyStandInTheHeader() throws Exception {
        StringBuilder raw =
                new StringBuilder("Authentication-Results: mx.example.org; dmarc=pass header.from=bank.example\r\n");
        for (int i = 0; i < 300; i++) {
            raw.append("Received: from hop")
                    .append(i)
                    .append(".example by relay.example; Mon, 7 Dec 2026 07:00:00 +0000\r\n");
        }
        raw.append("authentication-results:\r\n \"MX.EXAMPLE.ORG\" 1; dkim=pass\r\n");
        raw.append("From: a@example.net\r\nSubject: hi\r\n");
        raw.append("Authentication-Results: (our name) mx.example.org; spf=pass\r\n\r\nbody\r\n");

        Verdict v = run(
                check(false, Duration.ofSeconds(10)),
                "198.51.100.7",
                "client.example.net",
                null,
                "mx",
                "a@example.net",
                raw.toString());

        assertThat(v.removedHeaders()).containsExactlyInAnyOrder(0, 301, 304);
    }
}
