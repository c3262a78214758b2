package org.karavel.dkim.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A message about to be signed, read from its stream: the header fields kept whole; the body read
 * only when a signature needs its hash (most mail is not ours to sign), streamed through the one
 * body hash both signatures share (relaxed, SHA-256) and not kept.
 */
final class OutgoingMessage {
    private final List<HeaderField> headers;
    private final boolean headerTooLarge;
    private final InputStream body;
    private byte[] bodyHash;

    private OutgoingMessage(List<HeaderField> headers, boolean headerTooLarge, InputStream body) {
        this.headers = headers;
        this.headerTooLarge = headerTooLarge;
        this.body = body;
    }

    /** Reads the header block; the body stays in {@code in} until {@link #bodyHash()} is asked for. */
    static OutgoingMessage read(InputStream in, int maxHeaderBytes) throws IOException {
        InputStream buffered = new BufferedInputStream(in, 16384);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        int last4 = 0;
        boolean ended = false;
        int b;
        while ((b = buffered.read()) >= 0) {
            if (header.size() >= maxHeaderBytes) {
                return new OutgoingMessage(List.of(), true, null);
            }
            header.write(b);
            last4 = last4 << 8 | b;
            // the header block ends at the first empty line (also when the message starts with one)
            if (b == '\n'
                    && (last4 == 0x0d0a0d0a
                            || (last4 & 0xffff) == 0x0a0a
                            || header.size() == 1
                            || header.size() == 2 && (last4 & 0xffff) == 0x0d0a)) {
                ended = true;
                break;
            }
        }
        List<HeaderField> fields = ReceivedMessage.fields(header.toString(StandardCharsets.ISO_8859_1));
        return new OutgoingMessage(fields, false, ended ? buffered : null);
    }

    /** The header fields, top to bottom; empty when the block was over the limit. */
    List<HeaderField> headers() {
        return headers;
    }

    /** Whether the header block was over the limit (then the message is not signed). */
    boolean headerTooLarge() {
        return headerTooLarge;
    }

    /** The relaxed SHA-256 body hash (bh=), reading the rest of the stream the first time. */
    byte[] bodyHash() throws IOException {
        if (bodyHash == null) {
            BodyHash hash = new BodyHash(Canonicalization.RELAXED, "SHA-256", -1);
            if (body != null) {
                byte[] buf = new byte[16384];
                int n;
                while ((n = body.read(buf)) > 0) {
                    hash.update(buf, 0, n);
                }
            }
            bodyHash = hash.finish();
        }
        return bodyHash;
    }
}
