package org.karavel.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.Verdict;

/** What end-of-message filters see: the headers kept as they streamed by, and the content copy. */
final class ReceivedMessage implements MessageView {
    private final List<Verdict.Header> headers;
    private final long size;
    private final ContentCopy copy;

    /** @param copy null when no filter implemented end of message when the data started */
    ReceivedMessage(List<Verdict.Header> headers, long size, ContentCopy copy) {
        this.headers = List.copyOf(headers);
        this.size = size;
        this.copy = copy;
    }

    @Override
    public List<Verdict.Header> headers() {
        return headers;
    }

    @Override
    public List<String> header(String name) {
        List<String> values = new ArrayList<>();
        for (Verdict.Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                values.add(h.value());
            }
        }
        return values;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public InputStream open() throws IOException {
        if (copy == null) {
            throw new IOException("the content was not kept: the filter was registered after the data had started");
        }
        return copy.open();
    }
}
