package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BodyDecoderTest {
    /** What one decoder produced from one input. */
    record Result(String content, List<BodyDecoder.Violation> violations, boolean ended, int consumed) {}

    private static Result decode(String input, boolean dotStuffed, boolean normalize, int maxLine, boolean byteByByte) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        List<BodyDecoder.Violation> violations = new ArrayList<>();
        BodyDecoder decoder = new BodyDecoder(dotStuffed, normalize, maxLine, new BodyDecoder.Sink() {
            @Override
            public void content(byte[] data, int offset, int length) {
                content.write(data, offset, length);
            }

            @Override
            public void violation(BodyDecoder.Violation violation) {
                violations.add(violation);
            }
        });
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        int consumed = 0;
        if (byteByByte) {
            for (int i = 0; i < bytes.length && !decoder.ended(); i++) {
                consumed += decoder.feed(bytes, i, 1);
            }
        } else {
            consumed = decoder.feed(bytes, 0, bytes.length);
        }
        if (!dotStuffed) {
            decoder.finish();
        }
        return new Result(content.toString(StandardCharsets.ISO_8859_1), violations, decoder.ended(), consumed);
    }

    private static Result data(String input) {
        return decode(input, true, false, 1000, false);
    }

    @Test
    void endOfDataIsCrlfDotCrlfAndStopsThere() {
        Result r = data("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        assertThat(r.ended()).isTrue();
        assertThat(r.consumed()).isEqualTo("Subject: x\r\n\r\nbody\r\n.\r\n".length());
        assertThat(r.content()).isEqualTo("Subject: x\r\n\r\nbody\r\n");
        assertThat(r.violations()).isEmpty();
    }

    @Test
    void aDotRightAtTheStartEndsAnEmptyMessage() {
        Result r = data(".\r\n");
        assertThat(r.ended()).isTrue();
        assertThat(r.content()).isEmpty();
    }

    @Test
    void leadingDotsAreUnstuffedOnlyAtLineStarts() {
        Result r = data("..a\r\n...b\r\n..\r\nc.d\r\n.e\r\n.\r\n");
        assertThat(r.content()).isEqualTo(".a\r\n..b\r\n.\r\nc.d\r\ne\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\n.\r\n", "\r.\r", "\r\n.\n", "\r.\r\n", "\n.\r", "\r\n.\r", "\r.\n"})
    void bareLineEndsNeverEndTheData(String fake) {
        Result reject = data("x" + fake + "MAIL FROM:<e@x>\r\n");
        assertThat(reject.ended()).isFalse();
        assertThat(reject.violations()).containsExactly(BodyDecoder.Violation.BARE_LINE_ENDING);

        Result normal = decode("x" + fake + "MAIL FROM:<e@x>\r\n", true, true, 1000, false);
        assertThat(normal.ended()).isFalse();
        assertThat(normal.violations()).isEmpty();
        assertThat(normal.content()).endsWith("MAIL FROM:<e@x>\r\n");
        assertThat(normal.content().replace("\r\n", "")).doesNotContain("\r").doesNotContain("\n");
        assertThat(normal.content()).contains(".");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a\r\n.\r\n",
                "a\n.\nb\r\n.\r\n",
                "..\r\n.\r\n",
                "a\r\r\n.\r\n",
                "\r\n.\rb\r\n.\r\n",
                "a\r\n.\n.\r\n.\r\n",
                "\r\r\r\n.\r\n",
                ".a\r\n.\r\n",
                "a\r\n..\r\r\n.\r\n"
            })
    void byteByByteGivesTheSameAsAllAtOnce(String input) {
        check(input);
        check("x".repeat(1500) + input); // with a long line, reported at the same point
    }

    private static void check(String input) {
        for (boolean normalize : new boolean[] {false, true}) {
            for (boolean dots : new boolean[] {false, true}) {
                Result whole = decode(input, dots, normalize, 1000, false);
                Result bytes = decode(input, dots, normalize, 1000, true);
                assertThat(bytes).isEqualTo(whole);
            }
        }
    }

    @Test
    void aLongLineIsReportedOnce() {
        Result r = data("x".repeat(1001) + "\r\n" + "y".repeat(2000) + "\r\n.\r\n");
        assertThat(r.violations()).containsExactly(BodyDecoder.Violation.LINE_TOO_LONG);
        assertThat(r.ended()).isTrue();
        assertThat(data("x".repeat(1000) + "\r\n.\r\n").violations()).isEmpty();
    }

    @Test
    void chunksAreNotUnstuffedAndGetAFinalCrlf() {
        Result r = decode("..x\r\n.\r\nend", false, false, 1000, false);
        assertThat(r.content()).isEqualTo("..x\r\n.\r\nend\r\n");
        assertThat(r.ended()).isFalse();
        assertThat(r.violations()).isEmpty();
    }

    @Test
    void aCrAtTheEndOfTheLastChunkIsBare() {
        assertThat(decode("abc\r", false, false, 1000, false).violations())
                .containsExactly(BodyDecoder.Violation.BARE_LINE_ENDING);
        assertThat(decode("abc\r", false, true, 1000, false).content()).isEqualTo("abc\r\n");
    }

    @Test
    void aCrlfSplitBetweenChunksIsNotBare() {
        List<BodyDecoder.Violation> violations = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BodyDecoder d = new BodyDecoder(false, false, 1000, new BodyDecoder.Sink() {
            @Override
            public void content(byte[] data, int offset, int length) {
                out.write(data, offset, length);
            }

            @Override
            public void violation(BodyDecoder.Violation violation) {
                violations.add(violation);
            }
        });
        d.feed("one\r".getBytes(StandardCharsets.US_ASCII), 0, 4);
        d.feed("\ntwo\r\n".getBytes(StandardCharsets.US_ASCII), 0, 6);
        d.finish();
        assertThat(violations).isEmpty();
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("one\r\ntwo\r\n");
    }
}
