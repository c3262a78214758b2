package org.karavel.testkit;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.Verdict;

/**
 * A received message as the smtp bundle shows it to an SmtpFilter, for driving a filter in a unit
 * test: its octets and its header fields, unfolded, in order.
 */
public record FilterMessage(List<Verdict.Header> headers, byte[] content) implements MessageView {

    public FilterMessage {
        headers = List.copyOf(headers);
    }

    /**
     * A message from text with LF or CRLF line ends (made CRLF), as UTF-8 octets; its header fields
     * are the lines up to the first empty one (all of them when there is none).
     */
    public static FilterMessage of(String text) {
        String crlf = text.replace("\r\n", "\n").replace("\n", "\r\n");
        int end = crlf.indexOf("\r\n\r\n");
        List<Verdict.Header> fields = new ArrayList<>();
        // a line that starts with a space or a tab continues the field before it (RFC 5322 folding)
        for (String line : (end < 0 ? crlf : crlf.substring(0, end)).split("\r\n(?![ \t])")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.add(new Verdict.Header(
                        line.substring(0, colon),
                        line.substring(colon + 1).replace("\r\n", "").strip()));
            }
        }
        return new FilterMessage(fields, crlf.getBytes(StandardCharsets.UTF_8));
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
        return content.length;
    }

    @Override
    public InputStream open() {
        return new ByteArrayInputStream(content);
    }
}
