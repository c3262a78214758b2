package org.karavel.clamav.internal;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.Verdict;

/** A received message as the smtp bundle shows it to a filter: its octets and its header fields. */
final class TestMessage implements MessageView {
    private final byte[] octets;
    private final List<Verdict.Header> headers = new ArrayList<>();

    TestMessage(String text) {
        this(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    TestMessage(byte[] octets) {
        this.octets = octets;
        String text = new String(octets, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        for (String line : (end < 0 ? text : text.substring(0, end)).split("\r\n(?![ \t])")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.add(new Verdict.Header(
                        line.substring(0, colon),
                        line.substring(colon + 1).replace("\r\n", "").strip()));
            }
        }
    }

    /** A multipart message with this file as a base64 attachment, and these header lines first. */
    static TestMessage withAttachment(byte[] file, String... extraHeaders) {
        String b64 = Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(file);
        return new TestMessage(String.join("\r\n", extraHeaders) + (extraHeaders.length == 0 ? "" : "\r\n")
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
    static TestMessage plain(String... extraHeaders) {
        return new TestMessage(String.join("\r\n", extraHeaders) + (extraHeaders.length == 0 ? "" : "\r\n")
                + "From: sender@example.org\r\n"
                + "To: rcpt@example.net\r\n"
                + "Subject: hello\r\n"
                + "\r\n"
                + "Nothing to see here.\r\n");
    }

    @Override
    public List<Verdict.Header> headers() {
        return List.copyOf(headers);
    }

    @Override
    public List<String> header(String name) {
        return headers.stream()
                .filter(h -> h.name().equalsIgnoreCase(name))
                .map(Verdict.Header::value)
                .toList();
    }

    @Override
    public long size() {
        return octets.length;
    }

    @Override
    public InputStream open() {
        return new ByteArrayInputStream(octets);
    }
}
