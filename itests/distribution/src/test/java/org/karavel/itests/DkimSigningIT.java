package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
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
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * DKIM signing on the running distribution: keys made by the test (RSA 2048 and Ed25519, PKCS#8
 * PEM) are put into etc/dkim before start, sender.test is a local domain, and a message relayed from
 * 127.0.0.1 to remote.test (whose MX leads to the sink) must arrive with two DKIM-Signature fields
 * that this test verifies with its own code and the public keys (also served as TXT records on the
 * loopback DNS server, for any verifier that would look them up).
 */
public class DkimSigningIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
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
        // seven.test: the same sink, which for this domain's test offers no 8BITMIME
        dns.add("seven.test", Type.MX, "10 mx.remote.test.", 60);
        dns.add("2026a._domainkey.sender.test", Type.TXT, txt(rsaRecord()), 60);
        dns.add("2026e._domainkey.sender.test", Type.TXT, txt(ed25519Record()), 60);

        karavel = Distribution.unpack("dkimsigning");
        Path keys = karavel.home().resolve("etc/dkim");
        Files.createDirectories(keys);
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rwx------"));
        writeKey(keys.resolve("sender.test.2026a.rsa.pem"), rsa.getPrivate().getEncoded());
        writeKey(keys.resolve("sender.test.2026e.ed25519.pem"), ed25519.getPrivate().getEncoded());

        smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.relay.cfg", Map.of("local_domains", "localhost, sender.test", "relay_hosts", "127.0.0.1/32"));
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        karavel.configure("org.karavel.dkim.cfg", Map.of("signature_ttl_days", "7"));
        karavel.configure("org.karavel.delivery.cfg", Map.of("remote_port", Integer.toString(sink.port()),
                "min_backoff_seconds", "1", "max_backoff_seconds", "2"));
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

        Poll.until("the message at the sink", WAIT, () -> sink.messages().stream().anyMatch(m -> m.recipients().contains("bob@remote.test")));
        String received = sink.messages().stream().filter(m -> m.recipients().contains("bob@remote.test")).findFirst()
                .orElseThrow().contentAsString();
        List<String> signatures = fields(received).stream().filter(f -> f.regionMatches(true, 0, "DKIM-Signature:", 0, 15)).toList();
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
        assertTrue("ed25519-sha256 signature verifies", verify(received, byAlgorithm.get("ed25519-sha256"), ed25519Record()));
        assertTrue(tags(byAlgorithm.get("rsa-sha256")).get("s").equals("2026a"));
        // a changed body must not verify: the check is meaningful
        assertTrue(!verify(received.replace("minutes   are", "minutes were"), byAlgorithm.get("rsa-sha256"), rsaRecord()));
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
            Poll.until("the message at the sink", WAIT, () -> sink.messages().stream().anyMatch(m -> m.recipients().contains("erin@seven.test")));
        } finally {
            sink.eightBitMime(true);
        }
        byte[] bytes = sink.messages().stream().filter(m -> m.recipients().contains("erin@seven.test")).findFirst()
                .orElseThrow().content();
        for (byte b : bytes) {
            assertTrue("7-bit only", b >= 0);
        }
        String received = new String(bytes, StandardCharsets.US_ASCII);
        assertTrue(received, received.contains("Content-Transfer-Encoding: quoted-printable\r\n"));
        // soft line breaks joined (the encoder may wrap and encode a dot that would start a line as =2E)
        assertTrue(received, received.replace("=\r\n", "").contains("Gr=C3=BC=C3=9Fe aus K=C3=B6ln: 20 =E2=82=AC f=C3=BCr den Kaffee, =C3=A7a va"));
        List<String> signatures = fields(received).stream().filter(f -> f.regionMatches(true, 0, "DKIM-Signature:", 0, 15)).toList();
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
            String reply = c.sendMail("carol@elsewhere.test", List.of("dave@remote.test"),
                    "From: <carol@elsewhere.test>\r\nSubject: not ours\r\n\r\nhi\r\n");
            assertTrue(reply, reply.startsWith("250"));
        }
        Poll.until("the message at the sink", WAIT, () -> sink.messages().stream().anyMatch(m -> m.recipients().contains("dave@remote.test")));
        String received = sink.messages().stream().filter(m -> m.recipients().contains("dave@remote.test")).findFirst()
                .orElseThrow().contentAsString();
        assertTrue(received, fields(received).stream().noneMatch(f -> f.regionMatches(true, 0, "DKIM-Signature:", 0, 15)));
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
        String rsaLine = records.lines().filter(l -> l.startsWith("2026a._domainkey.sender.test. IN TXT ")).findFirst().orElseThrow();
        assertEquals(rsaLine, rsaRecord(), rsaLine.substring(rsaLine.indexOf('"')).replace("\" \"", "").replace("\"", ""));
        assertTrue(records, records.contains("_dmarc.sender.test. IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@sender.test\""));
        assertTrue(records, records.contains("_smtp._tls.sender.test. IN TXT \"v=TLSRPTv1; rua=mailto:postmaster@sender.test\""));
        assertTrue(records, records.matches("(?s).*_25\\._tcp\\.mx\\.karavel\\.test\\. IN TLSA 3 1 1 [0-9a-f]{64}.*"));
        assertTrue(records, records.contains("mode: testing"));
    }

    /** Runs a command through bin/client (as the console user bin/setenv added), as an operator would over SSH on loopback. */
    private static String shell(String command) throws Exception {
        Process p = new ProcessBuilder(karavel.home().resolve("bin/client").toString(), "-h", "127.0.0.1", "-a",
                Integer.toString(sshPort), "-b")
                .directory(karavel.home().toFile()).redirectErrorStream(true).start();
        p.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        return out;
    }

    private static String rsaRecord() {
        return "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(rsa.getPublic().getEncoded());
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
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs8)
                + "\n-----END PRIVATE KEY-----\n";
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
                + field.substring(colon + 1).replace("\r\n", "").replaceAll("[ \t]+", " ").strip();
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
        byte[] bh = MessageDigest.getInstance("SHA-256").digest(relaxedBody(body).getBytes(StandardCharsets.ISO_8859_1));
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
