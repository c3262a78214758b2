package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.karavel.api.filter.Verdict;

class HeaderBlockTest {
    private static HeaderBlock feed(String text, int pieceSize) {
        HeaderBlock block = new HeaderBlock();
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i += pieceSize) {
            block.accept(b, i, Math.min(pieceSize, b.length - i));
        }
        return block;
    }

    @Test
    void fieldsAreUnfoldedAndTheBodyIsLeftOut() {
        String message = "Subject: a long\r\n\tsubject\r\nFrom: Ann <a@example.com>\r\nnot a field\r\n"
                + "X-Empty:\r\n\r\nBody: not a header\r\n";
        for (int piece : new int[] {1, 3, 1000}) {
            assertThat(feed(message, piece).headers())
                    .extracting(Verdict.Header::toString)
                    .containsExactly("Subject: a long\tsubject", "From: Ann <a@example.com>", "X-Empty: ");
        }
    }

    @Test
    void aMessageWithoutHeadersHasNone() {
        assertThat(feed("\r\nSubject: body text\r\n", 5).headers()).isEmpty();
    }

    @Test
    void atMost64KiBIsKept() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            sb.append("X-Filler-").append(i).append(": ").append("v".repeat(20)).append("\r\n");
        }
        HeaderBlock block = feed(sb + "\r\nbody\r\n", 4096);
        assertThat(block.headers()).hasSizeLessThan(5000).hasSizeGreaterThan(1500);
        assertThat(block.headers().get(0).name()).isEqualTo("X-Filler-0");
    }

    @Test
    void aHeaderSectionLongerThan64KiBOverflowsWhereverTheCutFalls() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            sb.append("X-Filler-").append(i).append(": ").append("v".repeat(20)).append("\r\n");
        }
        String header = sb + "Authentication-Results: mx.example.test; dkim=pass\r\n\r\nbody\r\n";
        for (int piece : new int[] {1, 4096, 70_000, 200_000}) {
            assertThat(feed(header, piece).overflowed()).as("piece %d", piece).isTrue();
        }
        // a field folded over the cut still counts as a header
        assertThat(feed("X-Long: " + "w ".repeat(40_000) + "\r\n\r\nbody\r\n", 8192)
                        .overflowed())
                .isTrue();
    }

    @Test
    void aHeaderThatEndsWithinTheLimitOrALongBodyWithoutAnEmptyLineDoesNotOverflow() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            sb.append("X-Filler-").append(i).append(": v\r\n");
        }
        assertThat(feed(sb + "\r\n" + "body line\r\n".repeat(20_000), 4096).overflowed())
                .isFalse();
        // no empty line, but a line that is no field: the header section ended there (as Postfix reads it)
        assertThat(feed("Subject: hi\r\n" + "just text\r\n".repeat(20_000), 4096)
                        .overflowed())
                .isFalse();
        // the header section ends exactly at the limit
        String exact = "X: " + "a".repeat(HeaderBlock.MAX - 3 - 4) + "\r\n\r\n";
        assertThat(exact.length()).isEqualTo(HeaderBlock.MAX);
        assertThat(feed(exact + "body\r\n", 1000).overflowed()).isFalse();
        assertThat(feed(exact.substring(0, exact.length() - 2) + "Y: b\r\n\r\n", 1000)
                        .overflowed())
                .isTrue();
    }
}
