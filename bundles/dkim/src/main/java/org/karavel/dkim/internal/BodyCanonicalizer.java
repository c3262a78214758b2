package org.karavel.dkim.internal;

/**
 * Canonicalizes a body as it streams by (RFC 6376 §3.4.3 and §3.4.4), holding back only trailing
 * empty lines and whitespace, so memory does not grow with the body. Trailing empty lines are
 * dropped; relaxed also drops whitespace at line ends and folds runs of whitespace to one space.
 */
public final class BodyCanonicalizer {
    /** Where canonical octets go (a digest, for the body hash). */
    @FunctionalInterface
    public interface Sink {
        void write(byte[] data, int offset, int length);
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] SPACE = {' '};

    private final boolean relaxed;
    private final Sink out;
    private final byte[] buffer = new byte[8192];
    private int buffered;
    private long pendingLineEnds;
    private boolean pendingSpace;
    private boolean pendingCr;
    private boolean anyContent;

    BodyCanonicalizer(boolean relaxed, Sink out) {
        this.relaxed = relaxed;
        this.out = out;
    }

    public void update(byte[] data, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = data[i];
            if (pendingCr) {
                pendingCr = false;
                if (b == '\n') {
                    lineEnd();
                    continue;
                }
                content((byte) '\r');
            }
            if (b == '\r') {
                pendingCr = true;
            } else if (relaxed && (b == ' ' || b == '\t')) {
                pendingSpace = true;
            } else {
                content(b);
            }
        }
    }

    /** Ends the body: writes the last line end as the algorithm wants it. */
    public void finish() {
        if (pendingCr) {
            pendingCr = false;
            content((byte) '\r');
        }
        // simple: an empty body is one CRLF; relaxed: an empty body stays empty (RFC 6376 errata 1384)
        if (anyContent || !relaxed) {
            emit(CRLF);
        }
        flush();
    }

    private void lineEnd() {
        pendingSpace = false; // whitespace at the end of a line is dropped (relaxed)
        pendingLineEnds++;
    }

    private void content(byte b) {
        while (pendingLineEnds > 0) {
            emit(CRLF);
            pendingLineEnds--;
        }
        if (pendingSpace) {
            pendingSpace = false;
            emit(SPACE);
        }
        anyContent = true;
        if (buffered == buffer.length) {
            flush();
        }
        buffer[buffered++] = b;
    }

    private void emit(byte[] bytes) {
        if (buffered + bytes.length > buffer.length) {
            flush();
        }
        System.arraycopy(bytes, 0, buffer, buffered, bytes.length);
        buffered += bytes.length;
    }

    private void flush() {
        if (buffered > 0) {
            out.write(buffer, 0, buffered);
            buffered = 0;
        }
    }
}
