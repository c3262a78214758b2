package org.karavel.delivery.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.message.BasicBodyFactory;
import org.apache.james.mime4j.message.BodyPartBuilder;
import org.apache.james.mime4j.message.DefaultMessageWriter;
import org.apache.james.mime4j.message.MultipartBuilder;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawField;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;

/**
 * Builds the RFC 3464 delivery status notification ("bounce") for recipients that failed for good:
 * multipart/report with a human explanation, the machine-readable message/delivery-status and the
 * original header section. mime4j writes the MIME structure (header fields, boundaries, part
 * headers); the part bodies are written here, CRLF line ends throughout, no line over 998 octets.
 */
final class DeliveryStatusNotification {
    /** At most this much of the original header section is returned, as Postfix's header_size_limit. */
    static final int MAX_HEADER_BYTES = 100 * 1024;

    private static final int MAX_LINE = 998;
    private static final DateTimeFormatter RFC5322 =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);

    /**
     * A recipient to report.
     *
     * @param status the 5.x.y status
     * @param reply the last reply or error
     * @param remoteHost the host that gave it, empty if none
     * @param expired whether it failed because the message was too old, not because of this reply
     * @param category the bounce category ({@code invalid_recipient}, ...), empty when none
     */
    record FailedRecipient(
            MailAddress recipient,
            String status,
            String reply,
            String remoteHost,
            Instant lastAttempt,
            boolean expired,
            String category) {

        FailedRecipient {
            category = category == null ? "" : category;
        }

        /** A recipient without a category (bounced by the operator). */
        FailedRecipient(
                MailAddress recipient,
                String status,
                String reply,
                String remoteHost,
                Instant lastAttempt,
                boolean expired) {
            this(recipient, status, reply, remoteHost, lastAttempt, expired, "");
        }
    }

    private DeliveryStatusNotification() {}

    static String date(Instant t, ZoneId zone) {
        return RFC5322.format(t.atZone(zone));
    }

    /**
     * @param reportingMta this server's name (helo_name)
     * @param original the message that failed
     * @param originalHeaders its header section (CRLF line ends), possibly empty
     * @param dsnId the queue id the notification will have
     */
    static byte[] build(
            String reportingMta,
            QueuedMessage original,
            List<FailedRecipient> failed,
            byte[] originalHeaders,
            QueueId dsnId,
            Instant now,
            ZoneId zone) {
        boolean utf8 = original.envelope().sender().needsSmtpUtf8()
                || failed.stream().anyMatch(f -> f.recipient().needsSmtpUtf8());
        boolean headers8bit = !isAscii(originalHeaders);

        // part 3: the original header section, line ends made CRLF and over-long lines split
        Text headers = new Text();
        headers.raw(originalHeaders);
        headers.line("");

        Multipart report = MultipartBuilder.create("report")
                .addContentTypeParameter(new NameValuePair("report-type", "delivery-status"))
                .setPreamble("This is a MIME-encapsulated message.\r\n")
                .addBodyPart(part(
                        "Notification",
                        notice(reportingMta, failed),
                        utf8,
                        "text/plain",
                        new NameValuePair("charset", utf8 ? "utf-8" : "us-ascii")))
                .addBodyPart(part(
                        "Delivery report",
                        deliveryStatus(reportingMta, original, failed, zone),
                        utf8,
                        utf8 ? "message/global-delivery-status" : "message/delivery-status"))
                .addBodyPart(part(
                        "Undelivered Message Headers",
                        headers,
                        headers8bit,
                        headers8bit ? "message/global-headers" : "text/rfc822-headers"))
                .build();
        Message.Builder dsn = Message.Builder.of()
                .setField(field("From", "Mail Delivery System <MAILER-DAEMON@" + reportingMta + ">"))
                .setField(field("To", original.envelope().sender().toPath()))
                .setField(field("Subject", "Undelivered Mail Returned to Sender"))
                .setField(field("Date", date(now, zone)))
                .setField(field("Message-ID", "<" + now.toEpochMilli() + "." + dsnId + "@" + reportingMta + ">"))
                .setField(field("Auto-Submitted", "auto-replied"))
                .setField(field("MIME-Version", "1.0"))
                .setBody(report);
        if (utf8 || headers8bit) {
            dsn.setContentTransferEncoding("8bit");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new DefaultMessageWriter().writeMessage(dsn.build(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /** Part 1, for people: what happened, and each recipient with its last reply. */
    private static Text notice(String reportingMta, List<FailedRecipient> failed) {
        Text notice = new Text();
        notice.line("This is the mail system at host " + reportingMta + ".");
        notice.line("");
        notice.text(
                "I'm sorry to have to inform you that your message could not be delivered to one or more recipients."
                        + " The headers of your message are attached below.");
        notice.line("");
        notice.text(
                "For further assistance, please send mail to postmaster. If you do so, please include this problem report.");
        notice.line("");
        notice.line("                   The mail system");
        notice.line("");
        for (FailedRecipient f : failed) {
            StringBuilder sb = new StringBuilder(f.recipient().toPath()).append(": ");
            if (f.expired()) {
                sb.append("delivery time expired; last error: ");
            }
            if (!f.remoteHost().isEmpty() && startsWithCode(f.reply())) {
                sb.append("host ").append(f.remoteHost()).append(" said: ");
            }
            sb.append(f.reply());
            notice.text(sb.toString());
            if (!f.category().isEmpty()) {
                // for people and for the filters of senders that read only this part
                notice.line("Category: " + f.category());
            }
            notice.line("");
        }
        return notice;
    }

    /**
     * Part 2, for programs (RFC 3464 fields); written here because mime4j's folding never splits a run
     * without spaces (a 2,500-octet reply would break the 998-octet line limit).
     */
    private static Text deliveryStatus(
            String reportingMta, QueuedMessage original, List<FailedRecipient> failed, ZoneId zone) {
        Text status = new Text();
        status.field("Reporting-MTA", "dns; " + reportingMta);
        status.field("X-Karavel-Queue-ID", original.id().toString());
        String envid = original.envelope().mailParameters().get("ENVID");
        if (envid != null && !envid.isEmpty()) {
            status.field("Original-Envelope-Id", envid);
        }
        status.field("Arrival-Date", date(original.envelope().receivedAt(), zone));
        for (FailedRecipient f : failed) {
            status.line("");
            status.field("Final-Recipient", (f.recipient().needsSmtpUtf8() ? "utf-8; " : "rfc822; ") + f.recipient());
            status.field("Action", "failed");
            status.field("Status", f.status());
            if (!f.remoteHost().isEmpty()) {
                status.field("Remote-MTA", "dns; " + f.remoteHost());
            }
            status.field("Diagnostic-Code", (startsWithCode(f.reply()) ? "smtp; " : "X-Karavel; ") + f.reply());
            status.field("Last-Attempt-Date", date(f.lastAttempt(), zone));
        }
        status.line("");
        return status;
    }

    private static BodyPartBuilder part(
            String description, Text content, boolean eightBit, String type, NameValuePair... parameters) {
        BodyPartBuilder part = BodyPartBuilder.create()
                .setField(field("Content-Description", description))
                .setBody((Body) BasicBodyFactory.INSTANCE.binaryBody(content.bytes()))
                .setContentType(type, parameters);
        if (eightBit) {
            part.setContentTransferEncoding("8bit");
        }
        return part;
    }

    /** A header field as given, CR and LF made spaces; mime4j folds it at spaces and writes UTF-8 as is. */
    private static RawField field(String name, String value) {
        return new RawField(name, value.replace('\r', ' ').replace('\n', ' '));
    }

    /**
     * Reads the header section of a message: everything before the first empty line, cut at a line
     * end when longer than {@link #MAX_HEADER_BYTES}.
     */
    static byte[] readHeaders(InputStream content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = content.read()) != -1) {
            line.write(c);
            if (c == '\n') {
                byte[] l = line.toByteArray();
                line.reset();
                if (l.length <= 2 && (l.length == 1 || l[0] == '\r')) {
                    break;
                }
                if (out.size() + l.length > MAX_HEADER_BYTES) {
                    break;
                }
                out.write(l, 0, l.length);
            }
        }
        if (line.size() > 0 && out.size() + line.size() <= MAX_HEADER_BYTES) {
            out.write(line.toByteArray(), 0, line.size());
        }
        return out.toByteArray();
    }

    private static boolean startsWithCode(String reply) {
        return reply.length() >= 4
                && reply.substring(0, 3).chars().allMatch(Character::isDigit)
                && reply.charAt(3) == ' ';
    }

    private static boolean isAscii(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return false;
            }
        }
        return true;
    }

    /** The DSN being written: CRLF after every line, long lines folded or split. */
    private static final class Text {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void line(String s) {
            lineBytes(s.replace("\r", " ").replace("\n", " ").getBytes(StandardCharsets.UTF_8));
        }

        private void lineBytes(byte[] b) {
            int off = 0;
            // a line that cannot be folded at a space is split; the continuation starts with a space
            while (b.length - off > MAX_LINE) {
                int cut = off + MAX_LINE - 1;
                while (cut > off && (b[cut] & 0xC0) == 0x80) {
                    cut--;
                }
                out.write(b, off, cut - off);
                out.write('\r');
                out.write('\n');
                out.write(' ');
                off = cut;
            }
            out.write(b, off, b.length - off);
            out.write('\r');
            out.write('\n');
        }

        /** A header field, folded at spaces before 78 characters where it can be. */
        void field(String name, String value) {
            for (String l : wrap(name + ": " + value, 78, " ")) {
                line(l);
            }
        }

        /** A paragraph of prose, wrapped at 72 characters, continuation lines indented. */
        void text(String s) {
            for (String l : wrap(s, 72, "    ")) {
                line(l);
            }
        }

        /** The original header section as it is, with bare CR or LF made CRLF and long lines split. */
        void raw(byte[] b) {
            ByteArrayOutputStream l = new ByteArrayOutputStream();
            for (int i = 0; i < b.length; i++) {
                byte c = b[i];
                if (c == '\r' || c == '\n') {
                    if (c == '\r' && i + 1 < b.length && b[i + 1] == '\n') {
                        i++;
                    }
                    lineBytes(l.toByteArray());
                    l.reset();
                } else {
                    l.write(c);
                }
            }
            if (l.size() > 0) {
                lineBytes(l.toByteArray());
            }
        }

        /** The lines written, without the last CRLF: mime4j writes that one as part of the next boundary. */
        byte[] bytes() {
            byte[] b = out.toByteArray();
            return b.length >= 2 ? Arrays.copyOf(b, b.length - 2) : b;
        }

        private static List<String> wrap(String s, int width, String indent) {
            List<String> lines = new ArrayList<>();
            String rest = s;
            String prefix = "";
            while ((prefix + rest).length() > width) {
                String candidate = prefix + rest;
                int cut = candidate.lastIndexOf(' ', width);
                if (cut <= prefix.length()) {
                    cut = candidate.indexOf(' ', width);
                }
                if (cut < 0 || cut <= prefix.length()) {
                    break;
                }
                lines.add(candidate.substring(0, cut));
                rest = candidate.substring(cut + 1);
                prefix = indent;
            }
            lines.add(prefix + rest);
            return lines;
        }
    }
}
