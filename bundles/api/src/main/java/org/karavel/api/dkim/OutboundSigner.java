package org.karavel.api.dkim;

import java.io.IOException;
import java.io.InputStream;
import org.karavel.api.queue.Envelope;

/**
 * Signs a message as it leaves (DKIM), published by the dkim bundle and called by delivery once per
 * outbound transaction, just before the content is sent.
 */
public interface OutboundSigner {
    /**
     * The header fields to put on top of the message, e.g. one or two {@code DKIM-Signature} fields,
     * each complete with its name, folded with CRLF and ending in CRLF; empty when this message is not
     * signed (its From domain has no key). Never throws for a missing or broken key: that is logged,
     * counted, and the message goes unsigned.
     *
     * @param envelope the message's envelope
     * @param content the whole message as it will be sent (CRLF line ends, not dot-stuffed); the
     *     signer reads it and does not close it
     * @throws IOException only when the content cannot be read
     */
    String sign(Envelope envelope, InputStream content) throws IOException;
}
