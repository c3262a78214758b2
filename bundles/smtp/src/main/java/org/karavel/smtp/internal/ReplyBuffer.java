package org.karavel.smtp.internal;

import java.util.Arrays;
import org.apache.mina.core.buffer.IoBuffer;

/** The replies collected for the next write: pipelined commands are answered in one batch, in order. */
final class ReplyBuffer {
    private static final int INITIAL = 512;
    /** A buffer grown past this by a burst is given back after the write. */
    private static final int KEEP = 64 * 1024;

    private byte[] out = new byte[INITIAL];
    private int length;

    void append(byte[] b) {
        if (length + b.length > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, length + b.length));
        }
        System.arraycopy(b, 0, out, length, b.length);
        length += b.length;
    }

    int length() {
        return length;
    }

    /** What was collected, to write; the buffer is empty afterwards. */
    IoBuffer take() {
        IoBuffer b = IoBuffer.wrap(Arrays.copyOf(out, length));
        length = 0;
        if (out.length > KEEP) {
            out = new byte[INITIAL];
        }
        return b;
    }

    void clear() {
        length = 0;
    }
}
