package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.codec.digest.Crypt;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.karavel.testkit.TrustAll;
import org.xbill.DNS.Type;

/**
 * DKIM signing on the running distribution: keys made by the test (RSA 2048 and Ed25519, PKCS#8
 * PEM) are put into etc/dkim before start, sender.test is a local domain, and a message relayed from
 * 127.0.0.1 to remote.test (whose MX leads to the sink) must arrive with two DKIM-Signature fields
 * that this test verifies with its own code and the public keys (also served as TXT records on the
 * loopback DNS server, for any verifier that would look them up). Signing follows origin (issue 13):
 * a relay host's, an authenticated user's and the admin API's mail is signed, a stranger's never,
 * whatever its From says. The stranger's side of DMARC is checked here too: exactly one From
 * address, l= signatures with appended text, forged Authentication-Results.
 */
public class DkimSigningIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String AUTHSERV_ID = "mx.karavel.test";
    private static final String ALICE = "alice@sender.test";
    private static final String PASSWORD = "correct horse battery staple";
    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static Distribution karavel;
    private static int smtpPort;
    private static int sshPort;
    private static KeyPair rsa;
    private static KeyPair ed25519;

    @BeforeClass
    public static void boot() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        rsa = g.generateKeyPair();
        ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();

        sink = SmtpSink.start();
        dns = LoopbackDnsServer.start();
        dns.add("remote.test", Type.MX, "10 mx.remote.test.", 60);
        dns.add("mx.remote.test", Type.A, "127.0.0.1", 60);
        dns.add("relay.test", Type.MX, "10 mx.remote.test.", 60);
        // seven.test: the same sink, which for this domain's test offers no 8BITMIME
        dns.add("seven.test", Type.MX, "10 mx.remote.test.", 60);
        dns.add("2026a._domainkey.sender.test", Type.TXT, txt(rsaRecord()), 60);
        dns.add("2026e._domainkey.sender.test", Type.TXT, txt(ed25519Record()), 60);
        // for the status checks: sender.test's MX is this server (mx.karavel.test), which has no SPF record
        dns.add("sender.test", Type.MX, "10 mx.karavel.test.", 60);
        dns.add("mx.karavel.test", Type.A, "127.0.0.1", 60);

        karavel = Distribution.unpack("dkimsigning");
        Path keys = karavel.home().resolve("etc/dkim");
        Files.createDirectories(keys);
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rwx------"));
        writeKey(keys.resolve("sender.test.2026a.rsa.pem"), rsa.getPrivate().getEncoded());
        writeKey(
                keys.resolve("sender.test.2026e.ed25519.pem"),
                ed25519.getPrivate().getEncoded());

        smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        // only 127.0.0.1 is a relay host: a client on 127.0.0.2 is a stranger from the Internet, who may
        // still send to the relay domain relay.test (whose MX is the sink, as remote.test's)
        karavel.configure(
                "org.karavel.relay.cfg",
                Map.of(
                        "local_domains",
                        "localhost, sender.test",
                        "relay_hosts",
                        "127.0.0.1/32",
                        "relay_domains",
                        "relay.test"));
        Files.writeString(
                karavel.home().resolve("etc/karavel.passwd"),
                ALICE + ":{SHA512-CRYPT}" + Crypt.crypt(PASSWORD, "$6$alicesalt") + "\n"
                        + "bob@sender.test:{SHA512-CRYPT}" + Crypt.crypt(PASSWORD, "$6$bobsalt") + "\n");
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        karavel.configure(
                "org.karavel.status.cfg",
                Map.of(
                        "public_addresses",
                        "127.0.0.1",
                        "daily",
                        "false",
                        "outbound_probe",
                        "127.0.0.1:" + sink.port()));
        karavel.configure("org.karavel.dkim.cfg", Map.of("signature_ttl_days", "7", "authserv_id", AUTHSERV_ID));
        karavel.configure(
                "org.karavel.delivery.cfg",
                Map.of(
                        "remote_port",
                        Integer.toString(sink.port()),
                        "min_backoff_seconds",
                        "1",
                        "max_backoff_seconds",
                        "2"));
        sshPort = karavel.sshPort();
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, sink, dns);
    }

    @Test
    public void mailFromALocalDomainLeavesWithAnRsaAndAnEd25519SignatureThatVerify() throws Exception {
        String body = "Hello Bob,\r\n\r\nthe  minutes   are attached.   \r\n\r\n\r\n";
        String content = "From: Alice <alice@sender.test>\r\nTo: <bob@remote.test>\r\nSubject: minutes\r\n"
                + "Date: Sun, 22 Nov 2026 08:30:00 +0000\r\nMessage-ID: <minutes-1@sender.test>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + body;
        try (SmtpClient c = SmtpClient.connect(smtpPort)) {
            c.readReply();
            c.command("EHLO client.test");
            String reply = c.sendMail("alice@sender.test", List.of("bob@remote.test"), content);
            assertTrue(reply, reply.startsWith("250"));
        }

        Poll.until(
                "the message at the sink",
                WAIT,
                () -> sink.messages().stream().anyMatch(m -> m.recipients().contains("bob@remote.test")));
        String received = sink.messages().stream()
                .filter(m -> m.recipients().contains("bob@remote.test"))
                .findFirst()
                .orElseThrow()
                .contentAsString();
        List<String> signatures = fields(received).stream()
                .filter(f -> f.regionMatches(true, 0, "DKIM-Signature:", 0, 15))
                .toList();
        assertEquals(received, 2, signatures.size());
        Map<String, String> byAlgorithm = new HashMap<>();
        for (String s : signatures) {
            Map<String, String> tags = tags(s);
            assertEquals("sender.test", tags.get("d"));
            assertEquals("relaxed/relaxed", tags.get("c"));
            assertTrue(tags.get("h"), tags.get("h").startsWith("from:from:"));
            assertTrue(s, Long.parseLong(tags.get("x")) - Long.parseLong(tags.get("t")) == 7 * 86400);
            byAlgorithm.put(tags.get("a"), s);
        }
        assertTrue("rsa-sha256 signature verifies", verify(received, byAlgorithm.get("rsa-sha256"), rsaRecord()));
        assertTrue(
                "ed25519-sha256 signature verifies",
                verify(received, byAlgorithm.get("ed25519-sha256"), ed25519Record()));
        assertTrue(tags(byAlgorithm.get("rsa-sha256")).get("s").equals("2026a"));
        // a changed body must not verify: the check is meaningful
        assertTrue(
                !verify(received.replace("minutes   are", "minutes were"), byAlgorithm.get("rsa-sha256"), rsaRecord()));
    }

    /**
     * Issue 13: a stranger (127.0.0.2, not a relay host) writing a local From address to a relay
     * domain gets the message through, but without our signature: only mail that originates here is signed.
     */
    @Test
    public void aStrangersMessageWithALocalFromReachesTheSinkUnsigned() throws Exception {
        try (SmtpClient c = new SmtpClient("127.0.0.1", smtpPort, new InetSocketAddress("127.0.0.2", 0))) {
            c.readReply();
            c.command("EHLO stranger.test");
            String reply = c.sendMail(
                    "ceo@sender.test",
                    List.of("victim@relay.test"),
                    "From: CEO <ceo@sender.test>\r\nTo: <victim@relay.test>\r\nSubject: wire the money\r\n\r\nnow\r\n");
            assertTrue(reply, reply.startsWith("250"));
        }
        String received = atSink("victim@relay.test");
        assertTrue(received, received.contains("From: CEO <ceo@sender.test>"));
        assertTrue(
                received, fields(received).stream().noneMatch(f -> f.regionMatches(true, 0, "DKIM-Signature:", 0, 15)));
    }

    /** An authenticated user's message (from 127.0.0.2, so not as a relay host) is signed, and the signature verifies. */
    @Test
    public void anAuthenticatedUsersMessageIsSigned() throws Exception {
        try (SmtpClient c = submission()) {
            String reply = c.sendMail(
                    ALICE,
                    List.of("erin@remote.test"),
                    "From: Alice <" + ALICE
                            + ">\r\nTo: <erin@remote.test>\r\nSubject: submitted\r\n\r\nsigned, I hope\r\n");
            assertTrue(reply, reply.startsWith("250"));
        }
        assertSignedAndVerifies(atSink("erin@remote.test"));
    }

    /** A message handed in through the admin API (trusted loopback) originates here too: signed. */
    @Test
    public void aMessageInjectedThroughTheAdminApiIsSigned() throws Exception {
        AdminHttp.Response r = new AdminHttp(karavel.adminPort())
                .post(
                        "/api/v1/messages",
                        "{\"from\":\"alice@sender.test\",\"to\":[\"frank@remote.test\"],\"subject\":\"from the admin\",\"text\":\"hi\"}");
        assertTrue(r.status() + " " + r.body(), r.status() / 100 == 2);
        assertSignedAndVerifies(atSink("frank@remote.test"));
    }

    /** An authenticated user writing another user's address in From gets 553 5.7.1 at end of data; nothing is sent. */
    @Test
    public void aUserForgingAnotherUsersFromIsRefused() throws Exception {
        try (SmtpClient c = submission()) {
            String reply = c.sendMail(
                    ALICE,
                    List.of("grace@remote.test"),
                    "From: Bob <bob@sender.test>\r\nTo: <grace@remote.test>\r\nSubject: forged\r\n\r\nnot from bob\r\n");
            assertTrue(
                    reply,
                    reply.startsWith(
                            "553 5.7.1 <bob@sender.test>: From header address rejected: not owned by user " + ALICE));
        }
        Poll.until(
                "the refusal in the mail log", WAIT, () -> karavel.mailLog().contains("553 5.7.1 <bob@sender.test>"));
        assertTrue(sink.messages().stream().noneMatch(m -> m.recipients().contains("grace@remote.test")));
    }

    // --- DMARC done strictly for mail from the Internet (issue 13 item 4) ---

    /** Two From fields, or one From with two addresses, cannot be judged by DMARC: 550 5.7.1 (RFC 7489 §6.6.1). */
    @Test
    public void aStrangersMessageWithoutExactlyOneFromAddressIsRefused() throws Exception {
        String refusal = "550 5.7.1 Message must have exactly one From header field with exactly one address";
        assertEquals(
                refusal,
                fromStranger(
                        "ceo@sender.test",
                        "one@relay.test",
                        "From: <ceo@sender.test>\r\nFrom: <someone@elsewhere.test>\r\nSubject: two\r\n\r\nhi\r\n"));
        assertEquals(
                refusal,
                fromStranger(
                        "someone@elsewhere.test",
                        "two@relay.test",
                        "From: someone@elsewhere.test, ceo@sender.test\r\nSubject: two in one\r\n\r\nhi\r\n"));
        Poll.until("the refusal in the mail log", WAIT, () -> karavel.mailLog().contains("to=<two@relay.test>"));
        assertTrue(sink.messages().stream()
                .noneMatch(m -> m.recipients().contains("one@relay.test")
                        || m.recipients().contains("two@relay.test")));
    }

    /**
     * A message signed with l= (here with our own key, as a mailing list or a replayer would hold such
     * a message) with text appended after the signed length: the signature counts as failing, while
     * the same message without the appended text passes.
     */
    @Test
    public void aLengthLimitedSignatureWithAppendedTextFails() throws Exception {
        String header = "From: Alice <alice@sender.test>\r\nTo: <list@relay.test>\r\nSubject: newsletter\r\n";
        String body = "The signed part.\r\n";
        String signed = lengthLimitedSignature(header, body) + header + "\r\n" + body;
        assertTrue(fromStranger("alice@sender.test", "whole@relay.test", signed).startsWith("250"));
        assertTrue(fromStranger(
                        "alice@sender.test",
                        "appended@relay.test",
                        signed + "\r\nAppended: pay to the account below.\r\n")
                .startsWith("250"));

        String whole = atSink("whole@relay.test");
        String appended = atSink("appended@relay.test");
        assertTrue(whole, results(whole).contains("dkim=pass header.d=sender.test header.s=2026a"));
        assertTrue(appended, results(appended).contains("dkim=fail (content after l= unsigned) header.d=sender.test"));
    }

    /** A forged Authentication-Results with our authserv-id after 64 KiB of header: refused, never half-read. */
    @Test
    public void aForgedAuthenticationResultsAfter64KiBOfHeaderIsRefused() throws Exception {
        StringBuilder filler = new StringBuilder();
        while (filler.length() < 66_000) {
            filler.append("X-Filler: ").append("f".repeat(70)).append("\r\n");
        }
        String forged = "Authentication-Results: " + AUTHSERV_ID + "; dkim=pass header.d=sender.test; dmarc=pass\r\n";
        String reply = fromStranger(
                "ceo@elsewhere.test",
                "far@relay.test",
                "From: <ceo@elsewhere.test>\r\n" + filler + forged + "\r\nhi\r\n");
        assertEquals("552 5.6.0 Header section exceeds 65536 octets", reply);
        // under the limit the forged field is taken out wherever it stands; ours is the only one left
        String shorter = filler.substring(0, 60_000 - 60_000 % 82); // whole filler lines of 82 octets
        assertTrue(fromStranger(
                        "ceo@elsewhere.test",
                        "near@relay.test",
                        "From: <ceo@elsewhere.test>\r\n" + shorter + forged + "\r\nhi\r\n")
                .startsWith("250"));
        String received = atSink("near@relay.test");
        List<String> results = fields(received).stream()
                .filter(f -> f.startsWith("Authentication-Results:"))
                .toList();
        assertEquals(received.substring(0, 500), 1, results.size());
        assertTrue(results.get(0), !results.get(0).contains("dmarc=pass"));
        assertTrue(sink.messages().stream().noneMatch(m -> m.recipients().contains("far@relay.test")));
    }

    /** One message from 127.0.0.2 (a stranger: not a relay host) to the mx listener; the final reply. */
    private static String fromStranger(String sender, String recipient, String content) throws IOException {
        try (SmtpClient c = new SmtpClient("127.0.0.1", smtpPort, new InetSocketAddress("127.0.0.2", 0))) {
            c.readReply();
            c.command("EHLO stranger.test");
            return c.sendMail(sender, List.of(recipient), content);
        }
    }

    /** The value of our Authentication-Results field in a message as the sink got it. */
    private static String results(String received) {
        return fields(received).stream()
                .filter(f -> f.startsWith("Authentication-Results: " + AUTHSERV_ID))
                .findFirst()
                .orElseThrow(() -> new AssertionError(received))
                .replace("\r\n", "");
    }

    /** An rsa-sha256 DKIM-Signature of sender.test (this test's key) over From, To, Subject, with l= the body's length. */
    private static String lengthLimitedSignature(String header, String body) throws Exception {
        byte[] canonicalBody = relaxedBody(body).getBytes(StandardCharsets.ISO_8859_1);
        String bh = Base64.getEncoder()
                .encodeToString(MessageDigest.getInstance("SHA-256").digest(canonicalBody));
        String unsigned = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=sender.test; s=2026a; l="
                + canonicalBody.length + "; h=from:to:subject; bh=" + bh + "; b=";
        StringBuilder input = new StringBuilder();
        for (String field : fields(header + "\r\n")) {
            input.append(relaxedHeader(field)).append("\r\n");
        }
        input.append(relaxedHeader(unsigned));
        Signature rsaSigner = Signature.getInstance("SHA256withRSA");
        rsaSigner.initSign(rsa.getPrivate());
        rsaSigner.update(input.toString().getBytes(StandardCharsets.ISO_8859_1));
        String field = unsigned + Base64.getEncoder().encodeToString(rsaSigner.sign());
        assertTrue(
                "the test's own l= signature verifies",
                verify(field + "\r\n" + header + "\r\n" + body, field, rsaRecord()));
        return field + "\r\n";
    }

    /** STARTTLS and AUTH as alice on the submission listener, from 127.0.0.2. */
    private static SmtpClient submission() throws Exception {
        int port = Integer.parseInt(karavel.setting("org.karavel.smtp.listener-submission.cfg", "port"));
        SmtpClient c = new SmtpClient("127.0.0.1", port, new InetSocketAddress("127.0.0.2", 0));
        c.readReply();
        c.command("EHLO client.test");
        String starttls = c.command("STARTTLS");
        assertTrue(starttls, starttls.startsWith("220"));
        c.startTls(TrustAll.socketFactory());
        c.command("EHLO client.test");
        String auth = c.command("AUTH PLAIN "
                + Base64.getEncoder()
                        .encodeToString(("\0" + ALICE + "\0" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
        assertTrue(auth, auth.startsWith("235"));
        return c;
    }

    private static String atSink(String recipient) {
        Poll.until(
                "the message to " + recipient + " at the sink",
                WAIT,
                () -> sink.messages().stream().anyMatch(m -> m.recipients().contains(recipient)));
        return sink.messages().stream()
                .filter(m -> m.recipients().contains(recipient))
                .findFirst()
                .orElseThrow()
                .contentAsString();
    }

    /** Two signatures of sender.test, both verified by this test's own verifier (no code of the dkim bundle). */
    private static void assertSignedAndVerifies(String received) throws Exception {
        List<String> signatures = fields(received).stream()
                .filter(f -> f.regionMatches(true, 0, "DKIM-Signature:", 0, 15))
                .toList();
        assertEquals(received, 2, signatures.size());
        for (String signature : signatures) {
            Map<String, String> tags = tags(signature);
            assertEquals("sender.test", tags.get("d"));
            assertTrue(
                    signature,
                    verify(received, signature, tags.get("a").equals("rsa-sha256") ? rsaRecord() : ed25519Record()));
        }
    }

    @Test
    public void eightBitMailToANextHopWithout8bitmimeArrivesAsSevenBitAndItsSignaturesVerify() throws Exception {
        String text = "Grüße aus Köln: 20 € für den Kaffee, ça va.\r\n";
        String content = "From: Alice <alice@sender.test>\r\nTo: <erin@seven.test>\r\nSubject: eight bit\r\n"
                + "Date: Sun, 22 Nov 2026 08:30:00 +0000\r\nMessage-ID: <eight-1@sender.test>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text;
        sink.eightBitMime(false);
        try (SmtpClient c = SmtpClient.connect(smtpPort)) {
            c.readReply();
            c.command("EHLO client.test");
            assertTrue(c.command("MAIL FROM:<alice@sender.test> BODY=8BITMIME").startsWith("250"));
            assertTrue(c.command("RCPT TO:<erin@seven.test>").startsWith("250"));
            assertTrue(c.command("DATA").startsWith("354"));
            c.send(content + ".\r\n");
            String reply = c.readReply();
            assertTrue(reply, reply.startsWith("250"));
            Poll.until(
                    "the message at the sink",
                    WAIT,
                    () -> sink.messages().stream().anyMatch(m -> m.recipients().contains("erin@seven.test")));
        } finally {
            sink.eightBitMime(true);
        }
        byte[] bytes = sink.messages().stream()
                .filter(m -> m.recipients().contains("erin@seven.test"))
                .findFirst()
                .orElseThrow()
                .content();
        for (byte b : bytes) {
            assertTrue("7-bit only", b >= 0);
        }
        String received = new String(bytes, StandardCharsets.US_ASCII);
        assertTrue(received, received.contains("Content-Transfer-Encoding: quoted-printable\r\n"));
        // soft line breaks joined (the encoder may wrap and encode a dot that would start a line as =2E)
        assertTrue(
                received,
                received.replace("=\r\n", "")
                        .contains("Gr=C3=BC=C3=9Fe aus K=C3=B6ln: 20 =E2=82=AC f=C3=BCr den Kaffee, =C3=A7a va"));
        List<String> signatures = fields(received).stream()
                .filter(f -> f.regionMatches(true, 0, "DKIM-Signature:", 0, 15))
                .toList();
        assertEquals(received, 2, signatures.size());
        for (String sig : signatures) {
            String record = "rsa-sha256".equals(tags(sig).get("a")) ? rsaRecord() : ed25519Record();
            assertTrue("signature over the converted message verifies: " + sig, verify(received, sig, record));
        }
    }

    @Test
    public void mailFromAForeignDomainIsNotSigned() throws Exception {
        try (SmtpClient c = SmtpClient.connect(smtpPort)) {
            c.readReply();
            c.command("EHLO client.test");
            String reply = c.sendMail(
                    "carol@elsewhere.test",
                    List.of("dave@remote.test"),
                    "From: <carol@elsewhere.test>\r\nSubject: not ours\r\n\r\nhi\r\n");
            assertTrue(reply, reply.startsWith("250"));
        }
        Poll.until(
                "the message at the sink",
                WAIT,
                () -> sink.messages().stream().anyMatch(m -> m.recipients().contains("dave@remote.test")));
        String received = sink.messages().stream()
                .filter(m -> m.recipients().contains("dave@remote.test"))
                .findFirst()
                .orElseThrow()
                .contentAsString();
        assertTrue(
                received, fields(received).stream().noneMatch(f -> f.regionMatches(true, 0, "DKIM-Signature:", 0, 15)));
    }

    @Test
    public void theShellMakesKeysAndPrintsTheRecordsToPublish() throws Exception {
        String keygen = shell("mta:dkim-keygen other.test s1 --algorithm ed25519");
        assertTrue(keygen, keygen.contains("s1._domainkey.other.test. IN TXT \"v=DKIM1; k=ed25519; p="));
        Path file = karavel.home().resolve("etc/dkim/other.test.s1.ed25519.pem");
        assertTrue(keygen, Files.exists(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String again = shell("mta:dkim-keygen other.test s1 --algorithm ed25519");
        assertTrue(again, again.contains("exists"));

        String records = shell("mta:dns-records sender.test --hostname mx.karavel.test");
        assertTrue(records, records.contains("sender.test. IN MX 10 mx.karavel.test."));
        assertTrue(records, records.contains("2026e._domainkey.sender.test. IN TXT \"" + ed25519Record() + "\""));
        // the 2048-bit RSA record is longer than 255 octets: two strings
        String rsaLine = records.lines()
                .filter(l -> l.startsWith("2026a._domainkey.sender.test. IN TXT "))
                .findFirst()
                .orElseThrow();
        assertEquals(
                rsaLine,
                rsaRecord(),
                rsaLine.substring(rsaLine.indexOf('"')).replace("\" \"", "").replace("\"", ""));
        assertTrue(
                records,
                records.contains(
                        "_dmarc.sender.test. IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@sender.test\""));
        assertTrue(
                records,
                records.contains("_smtp._tls.sender.test. IN TXT \"v=TLSRPTv1; rua=mailto:postmaster@sender.test\""));
        assertTrue(records, records.matches("(?s).*_25\\._tcp\\.mx\\.karavel\\.test\\. IN TLSA 3 1 1 [0-9a-f]{64}.*"));
        assertTrue(records, records.contains("mode: testing"));
    }

    /**
     * The status checks on the distribution (issue 21): the host name comes from the mx listener, the
     * DKIM records are compared with the key files, SPF is evaluated; what is missing says how to fix it.
     */
    @Test
    public void theStatusChecksSayWhatIsPublishedAndHowToFixTheRest() throws Exception {
        String report = shell("mta:status-checks");
        assertTrue(report, report.contains("Status checks, "));
        assertTrue(report, report.matches("(?s).*ok +dns\\.host +mx\\.karavel\\.test resolves to 127\\.0\\.0\\.1.*"));
        assertTrue(report, report.matches("(?s).*\\nsender\\.test\\n.*ok +dns\\.mx +MX 10 mx\\.karavel\\.test.*"));
        assertTrue(
                report,
                report.matches("(?s).*ok +dkim\\.records +Selector 2026a \\(rsa, active\\): the record at "
                        + "2026a\\._domainkey\\.sender\\.test matches the key.*"));
        assertTrue(
                report,
                report.matches("(?s).*ok +dkim\\.records +Selector 2026e \\(ed25519, active\\): the record at "
                        + "2026e\\._domainkey\\.sender\\.test matches the key.*"));
        // localhost is a local domain of the test, but not one the world can look up: not checked
        assertTrue(report, !report.contains("\nlocalhost\n"));
        assertTrue(report, report.matches("(?s).*ERROR +dns\\.spf +No SPF record is published.*"));
        assertTrue(report, report.contains("fix: Publish \"sender.test. TXT \\\"v=spf1 mx ip4:127.0.0.1 -all\\\"\""));
        assertTrue(report, report.matches("(?s).*ok +access\\.admin +The admin API listens on 127\\.0\\.0\\.1:.*"));
        // the checks other bundles publish are there too
        assertTrue(
                report,
                report.matches(
                        "(?s).*ok +dnsbl\\.listed +The address 127\\.0\\.0\\.1 is not on zen\\.spamhaus\\.org.*"));
        assertTrue(
                report,
                report.matches("(?s).*(ok|warning) +spool\\.disk +[0-9.]+ GiB free on the spool's file system.*"));
        assertTrue(report, report.matches("(?s).*(ok|warning|ERROR) +tls\\.certificate +.*"));
        assertTrue(report, report.matches("(?s).*ERROR +dns\\.ptr +127\\.0\\.0\\.1 has no PTR record.*"));
        assertTrue(report, report.matches("(?s).*(ok|warning) +preflight\\.directories +.*"));
        assertTrue(
                report,
                report.matches(
                        "(?s).*ok +server\\.outbound-25 +An SMTP connection to 127\\.0\\.0\\.1:[0-9]+ was greeted.*"));
        assertTrue(report, report.matches("(?s).*ok +server\\.refusals +.*"));

        AdminHttp.Response r = new AdminHttp(karavel.adminPort()).get("/api/v1/status-checks?last=true");
        assertEquals(r.body(), 200, r.status());
        assertTrue(
                r.body(), r.body().contains("\"check\":\"dns.spf\",\"subject\":\"sender.test\",\"level\":\"error\""));
    }

    /** Runs a command through bin/client (as the console user bin/setenv added), as an operator would over SSH on loopback. */
    private static String shell(String command) throws Exception {
        Process p = new ProcessBuilder(
                        karavel.home().resolve("bin/client").toString(),
                        "-h",
                        "127.0.0.1",
                        "-a",
                        Integer.toString(sshPort),
                        "-b")
                .directory(karavel.home().toFile())
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    private static String rsaRecord() {
        return "v=DKIM1; k=rsa; p="
                + Base64.getEncoder().encodeToString(rsa.getPublic().getEncoded());
    }

    private static String ed25519Record() {
        byte[] spki = ed25519.getPublic().getEncoded(); // 12 octets of prefix, then the 32-octet key
        return "v=DKIM1; k=ed25519; p=" + Base64.getEncoder().encodeToString(Arrays.copyOfRange(spki, 12, 44));
    }

    /** A TXT value in zone syntax: strings of at most 255 octets. */
    private static String txt(String value) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < value.length(); i += 255) {
            sb.append('"').append(value, i, Math.min(value.length(), i + 255)).append("\" ");
        }
        return sb.toString().strip();
    }

    private static void writeKey(Path file, byte[] pkcs8) throws IOException {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs8) + "\n-----END PRIVATE KEY-----\n";
        Files.writeString(file, pem, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    // --- a small DKIM verifier of its own (relaxed/relaxed only), from RFC 6376 §3.4 and §3.7, RFC 8463 ---

    private static List<String> fields(String message) {
        String block = message.substring(0, message.indexOf("\r\n\r\n") + 2);
        List<String> out = new ArrayList<>();
        for (String line : block.split("\r\n")) {
            if ((line.startsWith(" ") || line.startsWith("\t")) && !out.isEmpty()) {
                out.set(out.size() - 1, out.get(out.size() - 1) + "\r\n" + line);
            } else if (!line.isEmpty()) {
                out.add(line);
            }
        }
        return out;
    }

    private static Map<String, String> tags(String field) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (String spec : field.substring(field.indexOf(':') + 1).split(";")) {
            int eq = spec.indexOf('=');
            if (eq > 0) {
                tags.put(spec.substring(0, eq).strip(), spec.substring(eq + 1).replaceAll("\\s", ""));
            }
        }
        return tags;
    }

    private static String relaxedHeader(String field) {
        int colon = field.indexOf(':');
        return field.substring(0, colon).strip().toLowerCase() + ":"
                + field.substring(colon + 1)
                        .replace("\r\n", "")
                        .replaceAll("[ \t]+", " ")
                        .strip();
    }

    private static String relaxedBody(String body) {
        List<String> lines = new ArrayList<>();
        for (String line : body.split("\r\n", -1)) {
            lines.add(line.replaceAll("[ \t]+", " ").replaceAll(" $", ""));
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines.isEmpty() ? "" : String.join("\r\n", lines) + "\r\n";
    }

    private static boolean verify(String message, String signature, String keyRecord) throws Exception {
        Map<String, String> tags = tags(signature);
        String body = message.substring(message.indexOf("\r\n\r\n") + 4);
        byte[] bh =
                MessageDigest.getInstance("SHA-256").digest(relaxedBody(body).getBytes(StandardCharsets.ISO_8859_1));
        if (!Base64.getEncoder().encodeToString(bh).equals(tags.get("bh"))) {
            return false;
        }
        List<String> fields = fields(message);
        StringBuilder input = new StringBuilder();
        Map<String, Integer> used = new HashMap<>();
        for (String name : tags.get("h").split(":")) {
            int skip = used.merge(name.toLowerCase(), 1, Integer::sum) - 1;
            int seen = 0;
            for (int i = fields.size() - 1; i >= 0; i--) {
                String f = fields.get(i);
                if (f.substring(0, f.indexOf(':')).strip().equalsIgnoreCase(name) && seen++ == skip) {
                    input.append(relaxedHeader(f)).append("\r\n");
                    break;
                }
            }
        }
        input.append(relaxedHeader(signature.replaceAll("(;\\s*b=)[^;]*", "$1")));
        byte[] data = input.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] p = Base64.getDecoder().decode(tags(keyRecord).get("p"));
        Signature v;
        PublicKey key;
        if (tags.get("a").equals("ed25519-sha256")) {
            byte[] spki = Arrays.copyOf(ed25519.getPublic().getEncoded(), 44);
            System.arraycopy(p, 0, spki, 12, 32);
            key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            v = Signature.getInstance("Ed25519");
            data = MessageDigest.getInstance("SHA-256").digest(data);
        } else {
            key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(p));
            v = Signature.getInstance("SHA256withRSA");
        }
        v.initVerify(key);
        v.update(data);
        return v.verify(Base64.getDecoder().decode(tags.get("b")));
    }
}
