package org.karavel.smtp.internal;

/**
 * Turns the octets a client sends after DATA (or in BDAT chunks) into message content.
 *
 * <p>For DATA it undoes dot-stuffing and finds the end of data, which is ONLY {@code CRLF.CRLF}:
 * a bare LF or bare CR is never a line end for that purpose, so {@code \n.\n}, {@code \r.\r},
 * {@code \r\n.\n} and the like are content, never a terminator (the SMTP smuggling defence).
 * A line that follows a bare line ending is not a line start either: no dot is removed there.
 *
 * <p>Bare CR and bare LF are reported to the sink as a violation (policy "reject") or replaced
 * by CRLF (policy "normalize"); in both cases the content handed on has CRLF line ends only.
 * Lines longer than the limit are reported once per message.
 */
final class BodyDecoder {
    /** Where content and problems go. */
    interface Sink {
        void content(byte[] data, int offset, int length);

        void violation(Violation violation);
    }

    enum Violation {
        BARE_LINE_ENDING,
        LINE_TOO_LONG
    }

    private static final int LINE_START = 0;
    private static final int IN_LINE = 1;
    private static final int CR = 2;
    private static final int DOT = 3;
    private static final int DOT_CR = 4;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] DOT_BYTE = {'.'};

    private final boolean dotStuffed;
    private final boolean normalize;
    private final long maxLine;
    private final Sink sink;
    private final byte[] out = new byte[8192];
    private int outLen;
    private int state;
    private long lineLength;
    private boolean ended;
    private boolean bareReported;
    private boolean longReported;
    private long emitted;
    private byte lastEmitted;

    /**
     * @param dotStuffed true for DATA (dot-stuffing, end of data), false for BDAT chunks
     * @param normalize true to turn bare CR / bare LF into CRLF, false to report them
     * @param maxLine the longest line allowed, in octets without CRLF
     */
    BodyDecoder(boolean dotStuffed, boolean normalize, long maxLine, Sink sink) {
        this.dotStuffed = dotStuffed;
        this.normalize = normalize;
        this.maxLine = maxLine;
        this.sink = sink;
        this.state = dotStuffed ? LINE_START : IN_LINE;
    }

    /** Whether the end of data ({@code CRLF.CRLF}) was seen; DATA only. */
    boolean ended() {
        return ended;
    }

    /**
     * Decodes as much as possible; stops right after the end of data.
     *
     * @return the number of octets consumed (all of them unless the end of data was reached)
     */
    int feed(byte[] b, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end && !ended) {
            byte c = b[i];
            switch (state) {
                case IN_LINE:
                    if (c == '\r') {
                        state = CR;
                        i++;
                    } else if (c == '\n') {
                        bareLineEnding();
                        i++;
                    } else {
                        int j = i + 1;
                        while (j < end && b[j] != '\r' && b[j] != '\n') {
                            j++;
                        }
                        emit(b, i, j - i);
                        countLine(j - i);
                        i = j;
                    }
                    break;
                case LINE_START:
                    if (c == '.') {
                        state = DOT;
                        i++;
                    } else {
                        state = IN_LINE; // the same octet again, as an ordinary one
                    }
                    break;
                case CR:
                    if (c == '\n') {
                        emit(CRLF, 0, 2);
                        lineLength = 0;
                        state = dotStuffed ? LINE_START : IN_LINE;
                        i++;
                    } else {
                        bareLineEnding(); // a CR not followed by LF; this octet is looked at again
                    }
                    break;
                case DOT:
                    if (c == '\r') {
                        state = DOT_CR;
                        i++;
                    } else if (c == '\n') {
                        // "CRLF . LF": a line holding one dot, ended by a bare LF; never the end
                        emitDot();
                        bareLineEnding();
                        i++;
                    } else {
                        // the leading dot was stuffing: drop it; the octet is looked at again
                        state = IN_LINE;
                    }
                    break;
                case DOT_CR:
                    if (c == '\n') {
                        ended = true;
                        i++;
                    } else {
                        // "CRLF . CR x": the dot line is ended by a bare CR; x is looked at again
                        emitDot();
                        bareLineEnding();
                    }
                    break;
                default:
                    throw new IllegalStateException("state " + state);
            }
        }
        flush();
        return i - offset;
    }

    /**
     * Ends a BDAT message: a CR left at the very end is a bare CR, and content that does not end
     * with CRLF gets one, so that the spool holds CRLF-terminated lines only.
     */
    void finish() {
        if (state == CR) {
            bareLineEnding();
        }
        if (emitted > 0 && lastEmitted != '\n') {
            emit(CRLF, 0, 2);
        }
        flush();
    }

    private void emitDot() {
        emit(DOT_BYTE, 0, 1);
        countLine(1);
    }

    private void bareLineEnding() {
        if (!normalize && !bareReported) {
            bareReported = true;
            flush();
            sink.violation(Violation.BARE_LINE_ENDING);
        }
        emit(CRLF, 0, 2);
        lineLength = 0;
        state = IN_LINE;
    }

    private void countLine(int n) {
        lineLength += n;
        if (lineLength > maxLine && !longReported) {
            longReported = true;
            flush();
            sink.violation(Violation.LINE_TOO_LONG);
        }
    }

    private void emit(byte[] b, int offset, int length) {
        if (length == 0) {
            return;
        }
        emitted += length;
        lastEmitted = b[offset + length - 1];
        if (length > out.length - outLen) {
            flush();
            if (length > out.length) {
                sink.content(b, offset, length);
                return;
            }
        }
        System.arraycopy(b, offset, out, outLen, length);
        outLen += length;
    }

    private void flush() {
        if (outLen > 0) {
            int n = outLen;
            outLen = 0;
            sink.content(out, 0, n);
        }
    }
}
