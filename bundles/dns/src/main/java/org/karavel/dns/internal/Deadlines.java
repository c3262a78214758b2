package org.karavel.dns.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * How the resolver's timeouts are kept: {@link #SYSTEM} is {@link CompletableFuture#orTimeout}; a
 * test substitutes a clock it moves by hand, so that it asserts when a try gives up without
 * measuring wall time on a busy machine.
 */
interface Deadlines {
    Deadlines SYSTEM = new Deadlines() {
        @Override
        public <T> CompletableFuture<T> within(CompletableFuture<T> future, Duration timeout) {
            return future.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    };

    /** {@code future}, failed with a {@code TimeoutException} unless it completes within {@code timeout}. */
    <T> CompletableFuture<T> within(CompletableFuture<T> future, Duration timeout);
}
