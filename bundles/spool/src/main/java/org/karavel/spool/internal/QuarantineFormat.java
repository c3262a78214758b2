package org.karavel.spool.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * What the quarantine map keeps of an unreadable record: version byte (1), the reason, when, the
 * raw record and the inline content if there was one, so that an operator can still recover it.
 */
final class QuarantineFormat {
    private QuarantineFormat() {}

    static byte[] encode(String reason, Instant when, byte[] record, byte[] inlineContent) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            byte[] r = reason.getBytes(StandardCharsets.UTF_8);
            out.writeInt(r.length);
            out.write(r);
            out.writeLong(when.toEpochMilli());
            writeBytes(out, record);
            writeBytes(out, inlineContent);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot happen with an in-memory stream", ex);
        }
        return bytes.toByteArray();
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }
}
