package org.karavel.dkim.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A message about to be signed, read once from its stream: the header fields kept whole, the body
 * streamed through the one body hash both signatures share (relaxed, SHA-256) and not kept.
 *
 * @param headers the header fields, top to bottom; empty when the block was over the limit
 * @param bodyHash the relaxed SHA-256 body hash (bh=)
 * @param headerTooLarge whether the header block was over the limit (then the message is not signed)
 */
record OutgoingMessage(List<HeaderField> headers, byte[] bodyHash, boolean headerTooLarge) {

    static OutgoingMessage read(InputStream in, int maxHeaderBytes) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        int last4 = 0;
        boolean ended = false;
        int b;
        while ((b = in.read()) >= 0) {
            if (header.size() >= maxHeaderBytes) {
                return new OutgoingMessage(List.of(), new byte[0], true);
            }
            header.write(b);
            last4 = last4 << 8 | b;
            // the header block ends at the first empty line (also when the message starts with one)
            if (b == '\n' && (last4 == 0x0d0a0d0a || (last4 & 0xffff) == 0x0a0a || header.size() == 1
                    || header.size() == 2 && (last4 & 0xffff) == 0x0d0a)) {
                ended = true;
                break;
            }
        }
        List<HeaderField> fields = ReceivedMessage.fields(header.toString(StandardCharsets.ISO_8859_1));
        BodyHash hash = new BodyHash(Canonicalization.RELAXED, "SHA-256", -1);
        if (ended) {
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) > 0) {
                hash.update(buf, 0, n);
            }
        }
        return new OutgoingMessage(fields, hash.finish(), false);
    }
}
