package org.karavel.delivery.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.field.Fields;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.message.DefaultMessageWriter;
import org.apache.james.mime4j.stream.MimeConfig;

/**
 * Turns an 8-bit message into a 7-bit one for a next hop that does not offer 8BITMIME (RFC 6152 §3):
 * every leaf part with 8-bit octets gets Content-Transfer-Encoding quoted-printable (text) or base64
 * (anything else), and the 8bit label of multiparts and message/rfc822 parts around them becomes
 * 7bit. Apache mime4j parses the message (decoding the bodies) and writes it again, encoding each body
 * as its new header says. The header fields stay as they were: 8-bit header fields need SMTPUTF8,
 * which is checked separately (a next hop without it bounces 5.6.7).
 */
final class MimeDowngrade {
    private MimeDowngrade() {}

    /** The message as 7-bit MIME (the whole message is held in memory while it is converted). */
    static byte[] toSevenBit(InputStream content) throws IOException {
        DefaultMessageBuilder builder = new DefaultMessageBuilder();
        builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
        builder.setDecodeMonitor(DecodeMonitor.SILENT);
        // PERMISSIVE: a malformed message is converted as well as it can be, never refused
        Message message = builder.parseMessage(content);
        if (downgrade(message) && message.getHeader().getField("MIME-Version") == null) {
            message.getHeader().addField(Fields.version("1.0"));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new DefaultMessageWriter().writeMessage(message, out);
        return out.toByteArray();
    }

    /** Converts the entity and what it contains; whether anything changed. */
    private static boolean downgrade(Entity entity) throws IOException {
        Body body = entity.getBody();
        boolean changed = false;
        if (body instanceof Multipart multipart) {
            for (Entity part : multipart.getBodyParts()) {
                changed |= downgrade(part);
            }
            changed |= relabel(entity, "7bit");
        } else if (body instanceof Message inner) {
            changed = downgrade(inner);
            changed |= relabel(entity, "7bit");
        } else if (body instanceof SingleBody single) {
            String encoding = entity.getContentTransferEncoding().toLowerCase(Locale.ROOT);
            if (encoding.equals("quoted-printable") || encoding.equals("base64")) {
                return false;
            }
            if (hasEightBit(single)) {
                String mimeType = entity.getMimeType() == null ? "text/plain" : entity.getMimeType();
                // text stays readable as quoted-printable; anything else is safest as base64 (RFC 2045 §6)
                return relabel(
                        entity, mimeType.toLowerCase(Locale.ROOT).startsWith("text/") ? "quoted-printable" : "base64");
            }
            return relabel(entity, "7bit");
        }
        return changed;
    }

    /** Sets the transfer encoding when the entity declared 8bit or binary (or needs an encoding now). */
    private static boolean relabel(Entity entity, String encoding) {
        String now = entity.getContentTransferEncoding().toLowerCase(Locale.ROOT);
        boolean eightBitLabel = now.equals("8bit") || now.equals("binary");
        if (encoding.equals("7bit") && !eightBitLabel) {
            return false;
        }
        entity.getHeader().setField(Fields.contentTransferEncoding(encoding));
        return true;
    }

    private static boolean hasEightBit(SingleBody body) throws IOException {
        try (InputStream in = body.getInputStream()) {
            return hasEightBit(in);
        }
    }

    /** Whether the stream has an octet above 127 (read up to the first one). */
    static boolean hasEightBit(InputStream in) throws IOException {
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) > 0) {
            for (int i = 0; i < n; i++) {
                if (buffer[i] < 0) {
                    return true;
                }
            }
        }
        return false;
    }
}
