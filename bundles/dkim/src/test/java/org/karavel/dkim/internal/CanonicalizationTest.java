package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Canonicalization and body hashes against RFC 6376 §3.4.6 and the body of Appendix A. */
class CanonicalizationTest {
    private static final String EXAMPLE_BODY = " C \r\nD \t E\r\n\r\n\r\n";

    private static String body(Canonicalization c, String body, int chunk) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BodyCanonicalizer bc = c.body(out::write);
        byte[] in = body.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < in.length; i += chunk) {
            bc.update(in, i, Math.min(chunk, in.length - i));
        }
        bc.finish();
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void relaxedExampleOfRfc6376Section346() {
        List<HeaderField> h = ReceivedMessage.fields("A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n");

        assertThat(h).hasSize(2);
        assertThat(Canonicalization.RELAXED.header(h.get(0).raw())
                        + Canonicalization.RELAXED.header(h.get(1).raw()))
                .isEqualTo("a:X\r\nb:Y Z\r\n");
        assertThat(body(Canonicalization.RELAXED, EXAMPLE_BODY, 1000)).isEqualTo(" C\r\nD E\r\n");
    }

    @Test
    void simpleExampleOfRfc6376Section346KeepsEverythingButTrailingEmptyLines() {
        List<HeaderField> h = ReceivedMessage.fields("A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n");

        assertThat(Canonicalization.SIMPLE.header(h.get(1).raw())).isEqualTo("B : Y\t\r\n\tZ  \r\n");
        assertThat(body(Canonicalization.SIMPLE, EXAMPLE_BODY, 1000)).isEqualTo(" C \r\nD \t E\r\n");
    }

    @Test
    void bodySplitAcrossEveryPossibleChunkGivesTheSameResult() {
        for (int chunk = 1; chunk < 8; chunk++) {
            assertThat(body(Canonicalization.RELAXED, EXAMPLE_BODY, chunk)).isEqualTo(" C\r\nD E\r\n");
            assertThat(body(Canonicalization.SIMPLE, "a\r\n\r\nb\rc\r\n\r\n", chunk))
                    .isEqualTo("a\r\n\r\nb\rc\r\n");
        }
    }

    @Test
    void emptyBodyIsOneCrlfWhenSimpleAndNothingWhenRelaxed() {
        assertThat(bh(Canonicalization.SIMPLE, "", -1)).isEqualTo("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
        assertThat(bh(Canonicalization.RELAXED, "\r\n\r\n", -1))
                .isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assertThat(body(Canonicalization.SIMPLE, "no line end", 3)).isEqualTo("no line end\r\n");
    }

    @Test
    void bodyHashOfRfc6376AppendixAMessageIsThePublishedOne() {
        String body = "Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n";

        assertThat(bh(Canonicalization.SIMPLE, body, -1)).isEqualTo("2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
        // RFC 8463's body has two spaces after "game."; relaxed folds them, so its bh is the same
        assertThat(bh(Canonicalization.RELAXED, body.replace("game. ", "game.  ") + "\r\n", -1))
                .isEqualTo("2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
    }

    @Test
    void lengthLimitHashesOnlyThatManyCanonicalOctets() {
        BodyHash h = new BodyHash(Canonicalization.SIMPLE, "SHA-256", 5);
        byte[] in = "Hi.\r\nmore text added later\r\n".getBytes(StandardCharsets.US_ASCII);
        h.update(in, 0, in.length);

        assertThat(Base64.getEncoder().encodeToString(h.finish()))
                .isEqualTo(bh(Canonicalization.SIMPLE, "Hi.\r\n", -1));
        assertThat(h.hashedLength()).isEqualTo(5);
    }

    @Test
    void emptyingBKeepsBhAndFolding() {
        String raw = "DKIM-Signature: v=1; bh=abc=;\r\n b=xyz\r\n  123; d=example.com";

        assertThat(HeaderHashInput.withEmptyB(raw)).isEqualTo("DKIM-Signature: v=1; bh=abc=;\r\n b=; d=example.com");
    }

    private static String bh(Canonicalization c, String body, long length) {
        BodyHash h = new BodyHash(c, "SHA-256", length);
        byte[] in = body.getBytes(StandardCharsets.ISO_8859_1);
        h.update(in, 0, in.length);
        return Base64.getEncoder().encodeToString(h.finish());
    }
}
