package org.karavel.dns.internal;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TSIG;

/**
 * One server, with a timeout that fires on time. dnsjava 3.6 checks its NIO timeouts only when its
 * selector has been idle (up to 1 s by default), so a 300 ms timeout could take a second; this gives
 * up after the configured time so that the retry (or the next server) is asked promptly.
 */
final class PromptTimeoutResolver implements Resolver {
    private final Resolver server;
    private final Deadlines deadlines;
    private volatile Duration timeout;

    PromptTimeoutResolver(Resolver server, Duration timeout, Deadlines deadlines) {
        this.server = server;
        this.deadlines = deadlines;
        this.timeout = timeout;
        server.setTimeout(timeout);
    }

    @Override
    public CompletionStage<Message> sendAsync(Message query, Executor executor) {
        CompletableFuture<Message> result = new CompletableFuture<>();
        Duration limit = timeout;
        deadlines
                .within(server.sendAsync(query, executor).toCompletableFuture(), limit)
                .whenComplete((answer, error) -> {
                    if (error == null) {
                        result.complete(answer);
                    } else if (error instanceof TimeoutException) {
                        result.completeExceptionally(new SocketTimeoutException(
                                "no answer from " + server + " in " + limit.toMillis() + " ms"));
                    } else {
                        result.completeExceptionally(error);
                    }
                });
        return result;
    }

    @Override
    public void setPort(int port) {
        server.setPort(port);
    }

    @Override
    public void setTCP(boolean flag) {
        server.setTCP(flag);
    }

    @Override
    public void setIgnoreTruncation(boolean flag) {
        server.setIgnoreTruncation(flag);
    }

    @Override
    public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {
        server.setEDNS(version, payloadSize, flags, options);
    }

    @Override
    public void setTSIGKey(TSIG key) {
        server.setTSIGKey(key);
    }

    @Override
    public void setTimeout(Duration newTimeout) {
        this.timeout = newTimeout;
        server.setTimeout(newTimeout);
    }

    @Override
    public Duration getTimeout() {
        return timeout;
    }

    @Override
    public String toString() {
        return server.toString();
    }
}
