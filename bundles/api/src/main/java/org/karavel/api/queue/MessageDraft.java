package org.karavel.api.queue;

import java.io.IOException;
import java.util.concurrent.CompletionStage;

/**
 * A message being received into the spool. Write the content (RFC 5322, CRLF line ends) as it
 * arrives, then {@link #commit} it with its envelope, or {@link #abort} it. Small messages stay
 * in memory until commit; larger ones are written to disk as they arrive, so that heap use does
 * not grow with message size.
 */
public interface MessageDraft extends AutoCloseable {
    /** The id the message will have once committed (so that it can go into the Received header). */
    QueueId id();

    void write(byte[] data, int offset, int length) throws IOException;

    default void write(byte[] data) throws IOException {
        write(data, 0, data.length);
    }

    /** Octets written so far. */
    long size();

    /**
     * Queues the message. The stage completes only once the message and its envelope are on disk and
     * fsynced, so "250 queued" may be answered then; it fails with {@link SpoolFullException} when
     * there is no room, or another IOException.
     */
    CompletionStage<QueuedMessage> commit(Envelope envelope);

    /** Throws away what was written. Does nothing after commit. */
    void abort();

    /** Aborts unless committed. */
    @Override
    default void close() {
        abort();
    }
}
