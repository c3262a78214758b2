package org.karavel.clamav.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.karavel.api.filter.MessageView;

/**
 * One connection to clamd and what is said over it (a message scanned, a PING), run on a scan
 * thread. {@link #abort()} closes the connection, which ends a connect, write or read blocked on it:
 * that is how a call that runs out of time frees its thread.
 */
final class ClamdCall<T> implements Runnable {
    /** What is said over the connected channel, blocking. */
    interface Exchange<T> {
        T over(SocketChannel channel) throws IOException;
    }

    private final ClamdAddress address;
    private final Exchange<T> exchange;
    private final CompletableFuture<T> reply = new CompletableFuture<>();
    private volatile SocketChannel channel;
    private volatile long nanos;

    ClamdCall(ClamdAddress address, Exchange<T> exchange) {
        this.address = address;
        this.exchange = exchange;
    }

    /** The message streamed with zINSTREAM, and clamd's answer. */
    static ClamdCall<ClamdReply> scan(ClamdAddress address, MessageView message) {
        return new ClamdCall<>(address, channel -> {
            try (InputStream content = message.open()) {
                return ClamdProtocol.instream(channel, content);
            }
        });
    }

    /** zPING, and clamd's answer ({@code PONG} when it is alive). */
    static ClamdCall<String> ping(ClamdAddress address) {
        return new ClamdCall<>(address, ClamdProtocol::ping);
    }

    /**
     * Queues the call on these threads; the stage completes with the answer or fails: I/O error,
     * {@link java.util.concurrent.TimeoutException} after {@code limit} (the connection is then
     * closed), or at once when the threads and their queue are all taken.
     */
    CompletableFuture<T> start(Executor threads, Duration limit) {
        reply.orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, e) -> abort());
        try {
            threads.execute(this);
        } catch (RejectedExecutionException e) {
            cancel("every scan thread is busy and the queue is full");
        }
        return reply;
    }

    /** How long clamd took, from connecting to its answer; valid once the call has its answer. */
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
            T answer = exchange.over(ch);
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

    /** Fails the call without running it (no thread for it, or shut down while it waited). */
    void cancel(String why) {
        reply.completeExceptionally(new IOException(why));
    }
}
