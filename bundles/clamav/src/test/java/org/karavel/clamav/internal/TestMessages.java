package org.karavel.clamav.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.karavel.testkit.FilterMessage;

/** The messages the clamav tests scan: one with a file attached, one of plain text. */
final class TestMessages {
    private TestMessages() {}

    /** A multipart message with this file as a base64 attachment, and these header lines first. */
    static FilterMessage withAttachment(byte[] file, String... extraHeaders) {
        String b64 = Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(file);
        return FilterMessage.of(String.join("\r\n", extraHeaders) + (extraHeaders.length == 0 ? "" : "\r\n")
                + "From: sender@example.org\r\n"
                + "To: rcpt@example.net\r\n"
                + "Subject: the report\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
                + "\r\n"
                + "--b1\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n"
                + "\r\n"
                + "The report is attached.\r\n"
                + "--b1\r\n"
                + "Content-Type: application/octet-stream; name=\"report.bin\"\r\n"
                + "Content-Disposition: attachment; filename=\"report.bin\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n"
                + "\r\n"
                + b64 + "\r\n"
                + "--b1--\r\n");
    }

    /** A plain text message. */
    static FilterMessage plain(String... extraHeaders) {
        return FilterMessage.of(String.join("\r\n", extraHeaders) + (extraHeaders.length == 0 ? "" : "\r\n")
                + "From: sender@example.org\r\n"
                + "To: rcpt@example.net\r\n"
                + "Subject: hello\r\n"
                + "\r\n"
                + "Nothing to see here.\r\n");
    }
}
