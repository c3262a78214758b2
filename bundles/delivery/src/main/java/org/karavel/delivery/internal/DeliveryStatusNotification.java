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
import org.karavel.api.maillog.MailLogLine.DsnKind;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;

/**
 * Builds the RFC 3464 delivery status notifications: the "bounce" for recipients that failed for
 * good, and the DSN extension's (RFC 3461) success ({@code delivered}, {@code relayed}) and delay
 * notices. Each is a multipart/report with a human explanation ({@link DsnNotice}), the
 * machine-readable message/delivery-status and the original header section, or the whole message
 * for a failure under RET=FULL. mime4j writes the MIME structure (header fields, boundaries, part
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

    /**
     * A recipient as one notification reports it.
     *
     * @param action the RFC 3464 action: failed, delivered, relayed or delayed
     * @param status the x.y.z status
     * @param reply the reply (or error) that decided, empty when none
     * @param category the bounce category of a failure or delay, empty when none
     * @param originalRecipient the client's ORCPT ({@code rfc822;addr}, decoded), empty when none
     */
    record ReportedRecipient(
            MailAddress recipient,
            DsnKind action,
            String status,
            String reply,
            String remoteHost,
            Instant lastAttempt,
            boolean expired,
            String category,
            String originalRecipient) {

        ReportedRecipient {
            reply = reply == null ? "" : reply;
            remoteHost = remoteHost == null ? "" : remoteHost;
            category = category == null ? "" : category;
            originalRecipient = originalRecipient == null ? "" : originalRecipient;
        }

        static ReportedRecipient failed(FailedRecipient f, String originalRecipient) {
            return new ReportedRecipient(
                    f.recipient(),
                    DsnKind.FAILED,
                    f.status(),
                    f.reply(),
                    f.remoteHost(),
                    f.lastAttempt(),
                    f.expired(),
                    f.category(),
                    originalRecipient);
        }
    }

    /**
     * What the third part returns: the header section, or the whole message (RET=FULL within
     * dsn_return_limit).
     *
     * @param whole whether {@code content} is the whole message
     * @param overLimit when only headers are returned although RET=FULL asked for the message: the
     *     limit it exceeded (said in the notice), else 0
     */
    record Returned(byte[] content, boolean whole, long overLimit) {
        static Returned headers(byte[] headers) {
            return new Returned(headers, false, 0);
        }
    }

    /** The kind of notification and what it needs beyond the recipients. */
    record Notice(DsnKind kind, Instant willRetryUntil) {
        static final Notice FAILURE = new Notice(DsnKind.FAILED, null);
    }

    private DeliveryStatusNotification() {}

    static String date(Instant t, ZoneId zone) {
        return RFC5322.format(t.atZone(zone));
    }

    /** A failure notice returning the header section (the bounce as before the DSN extension). */
    static byte[] build(
            String reportingMta,
            QueuedMessage original,
            List<FailedRecipient> failed,
            byte[] originalHeaders,
            QueueId dsnId,
            Instant now,
            ZoneId zone) {
        List<ReportedRecipient> reported = failed.stream()
                .map(f -> ReportedRecipient.failed(
                        f, original.envelope().dsnRequest(f.recipient()).originalRecipient()))
                .toList();
        return build(
                reportingMta, original, Notice.FAILURE, reported, Returned.headers(originalHeaders), dsnId, now, zone);
    }

    /**
     * @param reportingMta this server's name (helo_name)
     * @param original the message reported on
     * @param notice failure, success (delivered/relayed) or delay
     * @param returned its header section (CRLF line ends, possibly empty), or the whole message
     * @param dsnId the queue id the notification will have
     */
    static byte[] build(
            String reportingMta,
            QueuedMessage original,
            Notice notice,
            List<ReportedRecipient> recipients,
            Returned returned,
            QueueId dsnId,
            Instant now,
            ZoneId zone) {
        boolean utf8 = original.envelope().sender().needsSmtpUtf8()
                || recipients.stream().anyMatch(f -> f.recipient().needsSmtpUtf8());
        boolean returned8bit = !isAscii(returned.content());

        Multipart report = MultipartBuilder.create("report")
                .addContentTypeParameter(new NameValuePair("report-type", "delivery-status"))
                .setPreamble("This is a MIME-encapsulated message.\r\n")
                .addBodyPart(part(
                        "Notification",
                        DsnNotice.text(reportingMta, notice, recipients, returned),
                        utf8,
                        "text/plain",
                        new NameValuePair("charset", utf8 ? "utf-8" : "us-ascii")))
                .addBodyPart(part(
                        "Delivery report",
                        deliveryStatus(reportingMta, original, notice, recipients, zone),
                        utf8,
                        utf8 ? "message/global-delivery-status" : "message/delivery-status"))
                .addBodyPart(returnedPart(notice, returned, returned8bit))
                .build();
        Message.Builder dsn = Message.Builder.of()
                .setField(field("From", "Mail Delivery System <MAILER-DAEMON@" + reportingMta + ">"))
                .setField(field("To", original.envelope().sender().toPath()))
                .setField(field("Subject", DsnNotice.subject(notice.kind())))
                .setField(field("Date", date(now, zone)))
                .setField(field("Message-ID", "<" + now.toEpochMilli() + "." + dsnId + "@" + reportingMta + ">"))
                .setField(field("Auto-Submitted", "auto-replied"))
                .setField(field("MIME-Version", "1.0"))
                .setBody(report);
        if (utf8 || returned8bit) {
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

    /** Part 3: the whole message (message/rfc822) or its header section, line ends made CRLF. */
    private static BodyPartBuilder returnedPart(Notice notice, Returned returned, boolean eightBit) {
        Text text = new Text();
        text.raw(returned.content());
        if (!returned.whole()) {
            text.line("");
        }
        String description = switch (notice.kind()) {
            case FAILED -> returned.whole() ? "Undelivered Message" : "Undelivered Message Headers";
            case DELAYED -> "Delayed Message Headers";
            default -> "Message Headers";
        };
        String type = returned.whole()
                ? (eightBit ? "message/global" : "message/rfc822")
                : (eightBit ? "message/global-headers" : "text/rfc822-headers");
        return part(description, text, eightBit, type);
    }

    /**
     * Part 2, for programs (RFC 3464 fields); written here because mime4j's folding never splits a run
     * without spaces (a 2,500-octet reply would break the 998-octet line limit).
     */
    private static Text deliveryStatus(
            String reportingMta,
            QueuedMessage original,
            Notice notice,
            List<ReportedRecipient> recipients,
            ZoneId zone) {
        Text status = new Text();
        status.field("Reporting-MTA", "dns; " + reportingMta);
        status.field("X-Karavel-Queue-ID", original.id().toString());
        String envid = original.envelope().envelopeId();
        if (!envid.isEmpty()) {
            status.field("Original-Envelope-Id", envid);
        }
        status.field("Arrival-Date", date(original.envelope().receivedAt(), zone));
        for (ReportedRecipient f : recipients) {
            status.line("");
            if (!f.originalRecipient().isEmpty()) {
                status.field("Original-Recipient", f.originalRecipient());
            }
            status.field("Final-Recipient", (f.recipient().needsSmtpUtf8() ? "utf-8; " : "rfc822; ") + f.recipient());
            status.field("Action", f.action().word());
            status.field("Status", f.status());
            if (!f.remoteHost().isEmpty()) {
                status.field("Remote-MTA", "dns; " + f.remoteHost());
            }
            if (!f.reply().isEmpty()) {
                status.field("Diagnostic-Code", (startsWithCode(f.reply()) ? "smtp; " : "X-Karavel; ") + f.reply());
            }
            if (f.lastAttempt() != null) {
                status.field("Last-Attempt-Date", date(f.lastAttempt(), zone));
            }
            if (f.action() == DsnKind.DELAYED && notice.willRetryUntil() != null) {
                status.field("Will-Retry-Until", date(notice.willRetryUntil(), zone));
            }
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

    static boolean startsWithCode(String reply) {
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
    static final class Text {
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
