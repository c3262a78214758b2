package org.karavel.api.filter;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** The received message at end of data: its header fields and a way to read it whole. */
public interface MessageView {
    /** The header fields as received, unfolded, in order, without the one Karavel adds. */
    List<Verdict.Header> headers();

    /** The values of the header fields with this name (case-insensitive), in order. */
    List<String> header(String name);

    /** The size of the message in octets, as received. */
    long size();

    /** Opens the whole message (headers and body, CRLF line ends). The caller closes it. */
    InputStream open() throws IOException;
}
