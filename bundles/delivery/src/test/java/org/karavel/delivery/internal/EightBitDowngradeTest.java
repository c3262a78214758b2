package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.james.mime4j.dom.BinaryBody;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.TextBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.dkim.OutboundSigner;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.QueuedMessage;

/**
 * 8BITMIME downgrade (RFC 6152 §3) against a real server that does not offer 8BITMIME: the message
 * arrives as 7-bit MIME whose parts decode to the original text and octets, and the signer was given
 * exactly what was sent, so a DKIM signature over it holds (the distribution's DkimSigningIT checks a
 * real signature). A server that offers 8BITMIME gets the message unchanged.
 */
class EightBitDowngradeTest {
    private static final String TEXT = "Grüße aus Köln, naïve café: 20 € — ça marche.\r\n" + "A long line "
            + "é".repeat(120) + "\r\n.leading dot\r\n";
    private static final byte[] OCTETS = octets();

    private DeliveryFixture f;
    private ScriptedSmtpServer server;
    private final List<byte[]> signed = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        f.mx("example.test", 10, "mx1.example.test");
        f.signer = new OutboundSigner() {
            @Override
            public String sign(Envelope envelope, InputStream content) throws IOException {
                signed.add(content.readAllBytes());
                return "DKIM-Signature: v=1; a=rsa-sha256; d=sender.test; s=test; b=fake\r\n";
            }
        };
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        server.close();
    }

    private static byte[] octets() {
        byte[] b = new byte[256];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i < 128 ? i + 128 : i);
        }
        // no CR or LF in it: an 8bit part is made of lines
        return b;
    }

    /** A multipart message: an 8-bit text part and an 8bit-labelled application part. */
    private static byte[] multipart() {
        String head = "From: <sender@sender.test>\r\nTo: <a@example.test>\r\nSubject: 8 bit\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b1\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + TEXT
                + "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
        byte[] a = head.getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\r\n--b1--\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(a, a.length + OCTETS.length + tail.length);
        System.arraycopy(OCTETS, 0, all, a.length, OCTETS.length);
        System.arraycopy(tail, 0, all, a.length + OCTETS.length, tail.length);
        return all;
    }

    private QueuedMessage queue(byte[] content) throws IOException {
        Envelope env = DeliveryFixture.envelope(
                "sender@sender.test", List.of("a@example.test"), Instant.now(), Map.of("BODY", "8BITMIME"));
        try (var draft = f.spool.create()) {
            draft.write(content);
            return draft.commit(env).toCompletableFuture().join();
        }
    }

    @Test
    void eightBitPartsAreConvertedForANextHopWithout8bitmimeAndSignedAsSent() throws Exception {
        server = new ScriptedSmtpServer(true, "PIPELINING");
        QueuedMessage m = queue(multipart());
        f.start(f.settings(server.port()).build());

        f.awaitRemoved(m.id());
        assertThat(server.commands()).contains("MAIL FROM:<sender@sender.test>");
        byte[] sent = server.messages().get(0);
        for (byte b : sent) {
            assertThat(b).as("7-bit only").isBetween((byte) 0, (byte) 127);
        }
        String text = new String(sent, StandardCharsets.US_ASCII);
        assertThat(text).startsWith("DKIM-Signature: ");
        // the signer read exactly the content that followed its field
        byte[] afterSignature = Arrays.copyOfRange(sent, text.indexOf("\r\n") + 2, sent.length);
        assertThat(signed).hasSize(1);
        assertThat(afterSignature).isEqualTo(signed.get(0));
        assertThat(text)
                .contains(
                        "Content-Transfer-Encoding: quoted-printable",
                        "Content-Transfer-Encoding: base64",
                        "Content-Transfer-Encoding: 7bit")
                .doesNotContain("Content-Transfer-Encoding: 8bit");
        assertThat(text.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(998));

        Message parsed = new DefaultMessageBuilder().parseMessage(new ByteArrayInputStream(afterSignature));
        Multipart parts = (Multipart) parsed.getBody();
        try (var reader = ((TextBody) parts.getBodyParts().get(0).getBody()).getReader()) {
            char[] buf = new char[4096];
            StringBuilder sb = new StringBuilder();
            for (int n; (n = reader.read(buf)) > 0; ) {
                sb.append(buf, 0, n);
            }
            // the CRLF before the boundary belongs to the boundary (RFC 2046 §5.1.1)
            assertThat(sb.toString()).isEqualTo(TEXT.substring(0, TEXT.length() - 2));
        }
        try (InputStream in = ((BinaryBody) parts.getBodyParts().get(1).getBody()).getInputStream()) {
            assertThat(in.readAllBytes()).isEqualTo(OCTETS);
        }
        assertThat(parsed.getSubject()).isEqualTo("8 bit");
    }

    @Test
    void aPlainEightBitMessageBecomesQuotedPrintableMime() throws Exception {
        server = new ScriptedSmtpServer(true, "PIPELINING");
        QueuedMessage m = queue(DeliveryFixture.message("plain", TEXT).getBytes(StandardCharsets.UTF_8));
        f.start(f.settings(server.port()).build());

        f.awaitRemoved(m.id());
        String sent = new String(server.messages().get(0), StandardCharsets.US_ASCII);
        assertThat(sent)
                .contains(
                        "Content-Transfer-Encoding: quoted-printable\r\n",
                        "MIME-Version: 1.0\r\n",
                        "Subject: plain\r\n",
                        "Gr=C3=BC=C3=9Fe");
        assertThat(sent.chars()).allMatch(c -> c < 128);
    }

    @Test
    void undeclaredEightBitContentIsConvertedToo() throws Exception {
        // no BODY=8BITMIME from a sloppy client: the content decides, as in Postfix
        server = new ScriptedSmtpServer(true, "PIPELINING");
        QueuedMessage m =
                f.queue("sender@sender.test", List.of("a@example.test"), DeliveryFixture.message("sloppy", TEXT));
        f.start(f.settings(server.port()).build());

        f.awaitRemoved(m.id());
        String sent = new String(server.messages().get(0), StandardCharsets.UTF_8);
        assertThat(sent).contains("Content-Transfer-Encoding: quoted-printable\r\n");
        assertThat(sent.chars()).allMatch(c -> c < 128);
    }

    @Test
    void sevenBitContentIsSentUnchanged() throws Exception {
        server = new ScriptedSmtpServer(true, "PIPELINING");
        String content = DeliveryFixture.message("ascii", "plain ASCII\r\n");
        QueuedMessage m = f.queue("sender@sender.test", List.of("a@example.test"), content);
        f.start(f.settings(server.port()).build());

        f.awaitRemoved(m.id());
        String sent = new String(server.messages().get(0), StandardCharsets.UTF_8);
        assertThat(sent.substring(sent.indexOf("\r\n") + 2)).isEqualTo(content);
    }

    @Test
    void aNextHopWith8bitmimeGetsTheMessageUnchanged() throws Exception {
        server = new ScriptedSmtpServer(true, "PIPELINING", "8BITMIME");
        // valid UTF-8 only: the scripted server reads lines as UTF-8
        byte[] original = DeliveryFixture.message("plain", TEXT).getBytes(StandardCharsets.UTF_8);
        QueuedMessage m = queue(original);
        f.start(f.settings(server.port()).build());

        f.awaitRemoved(m.id());
        assertThat(server.commands()).contains("MAIL FROM:<sender@sender.test> BODY=8BITMIME");
        byte[] sent = server.messages().get(0);
        String text = new String(sent, StandardCharsets.UTF_8);
        assertThat(Arrays.copyOfRange(sent, text.indexOf("\r\n") + 2, sent.length))
                .isEqualTo(original);
    }
}
