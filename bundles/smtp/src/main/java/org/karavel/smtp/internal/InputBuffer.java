package org.karavel.smtp.internal;

import org.apache.mina.core.buffer.IoBuffer;

/** The bytes received from a client and not yet processed: a growable window on one array. */
final class InputBuffer {
    private static final int INITIAL = 4096;
    private static final int KEEP_AT_MOST = 64 * 1024;

    private byte[] buf = new byte[INITIAL];
    private int start;
    private int end;

    void append(IoBuffer in) {
        int n = in.remaining();
        ensure(n);
        in.get(buf, end, n);
        end += n;
    }

    void append(byte[] data, int offset, int length) {
        ensure(length);
        System.arraycopy(data, offset, buf, end, length);
        end += length;
    }

    byte[] array() {
        return buf;
    }

    int start() {
        return start;
    }

    int end() {
        return end;
    }

    int size() {
        return end - start;
    }

    void consume(int n) {
        start += n;
        if (start >= end) {
            clear();
        }
    }

    void clear() {
        start = 0;
        end = 0;
        if (buf.length > KEEP_AT_MOST) {
            // a burst grew the array; do not keep it for the rest of a long session
            buf = new byte[INITIAL];
        }
    }

    private void ensure(int n) {
        if (buf.length - end >= n) {
            return;
        }
        int size = end - start;
        byte[] target = size + n <= buf.length ? buf : new byte[Math.max(buf.length * 2, size + n)];
        System.arraycopy(buf, start, target, 0, size);
        buf = target;
        start = 0;
        end = size;
    }
}
