package org.karavel.clamav.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import org.karavel.api.filter.MessageView;

/**
 * One message streamed to clamd, run on a scan thread. {@link #abort()} closes the connection, which
 * ends a connect, write or read blocked on it: the filter calls it when the time is up.
 */
final class ClamdScan implements Runnable {
    private final ClamdAddress address;
    private final MessageView message;
    private final CompletableFuture<ClamdReply> reply = new CompletableFuture<>();
    private volatile SocketChannel channel;
    private volatile long nanos;

    ClamdScan(ClamdAddress address, MessageView message) {
        this.address = address;
        this.message = message;
    }

    /** Completes with clamd's answer, or fails (connection refused, closed, garbage...). */
    CompletableFuture<ClamdReply> reply() {
        return reply;
    }

    /** How long clamd took, from connecting to its answer; valid once {@link #reply()} is complete. */
    long nanos() {
        return nanos;
    }

    @Override
    public void run() {
        if (reply.isDone()) {
            return; // its time ran out while it waited for a thread
        }
        long start = System.nanoTime();
        try (SocketChannel ch = address.newChannel()) {
            channel = ch;
            if (reply.isDone()) {
                return; // aborted before it could see the channel
            }
            address.connect(ch);
            ClamdReply answer;
            try (InputStream content = message.open()) {
                answer = ClamdProtocol.instream(ch, content);
            }
            nanos = System.nanoTime() - start;
            reply.complete(answer);
        } catch (IOException | RuntimeException e) {
            reply.completeExceptionally(e);
        }
    }

    /** Closes the connection, if any: whatever blocks on it fails at once. */
    void abort() {
        SocketChannel ch = channel;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing is all that matters: the scan thread is free either way
            }
        }
    }

    /** Fails the scan without running it (shut down while it waited for a thread). */
    void cancel(String why) {
        reply.completeExceptionally(new IOException(why));
    }
}
