package org.karavel.rspamd.internal;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.Verdict;

/** A received message as the smtp bundle shows it to a filter: its header fields unfolded, its bytes. */
record TestMessage(List<Verdict.Header> headers, byte[] content) implements MessageView {

    /** A message from text with LF or CRLF line ends (made CRLF). */
    static TestMessage of(String text) {
        String crlf = text.replace("\r\n", "\n").replace("\n", "\r\n");
        List<Verdict.Header> fields = new ArrayList<>();
        for (String line : crlf.substring(0, Math.max(0, crlf.indexOf("\r\n\r\n")))
                .replace("\r\n ", " ")
                .replace("\r\n\t", " ")
                .split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.add(new Verdict.Header(
                        line.substring(0, colon), line.substring(colon + 1).trim()));
            }
        }
        return new TestMessage(List.copyOf(fields), crlf.getBytes(StandardCharsets.UTF_8));
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
