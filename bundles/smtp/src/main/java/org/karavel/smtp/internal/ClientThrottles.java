package org.karavel.smtp.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.karavel.api.auth.LoginFailures;
import org.karavel.api.fleet.SharedCounters;
import org.karavel.api.net.CidrBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The throttles per client network that a fleet shares: failed AUTH and new connections per minute.
 *
 * <p>Each decision is first taken on this node's count, at once. When a {@link SharedCounters}
 * service runs, the fleet's count is asked as well, and the session waits for it only where it
 * waits anyway, off the I/O thread: with the password check (AUTH), and after the greeting, before
 * the first command is read (the count is asked while the CONNECT filters run). A shared count that fails or takes longer than {@link #SHARED_WAIT_MILLIS}
 * leaves the local decision standing: local counting exactly as on one node, a metric
 * ({@code karavel_smtp_shared_counts_failures_total}, {@code karavel_smtp_shared_counts_degraded})
 * and one warning until the store answers again.
 */
final class ClientThrottles {
    /** The longest a session waits for the fleet's count before deciding on its own. */
    static final long SHARED_WAIT_MILLIS = 1000;

    /** Keys in the shared store; the store bundle adds its own prefix. */
    static final String AUTH_KEY = "smtp.auth_failures:";

    static final String CONNECTION_KEY = "smtp.connections.";
    private static final int RATE_WINDOW_SECONDS = 60;
    private static final Logger LOG = LoggerFactory.getLogger(ClientThrottles.class);

    private final LoginFailures authFailures;
    /** New connections per network in fixed one-minute windows: counted as LoginFailures counts failures. */
    private final LoginFailures connections = new LoginFailures();

    private final SmtpCounters counters;
    private volatile Supplier<SharedCounters> shared = () -> null;

    ClientThrottles(LoginFailures authFailures, SmtpCounters counters) {
        this.authFailures = authFailures;
        this.counters = counters;
    }

    /** Where the fleet's counts come from (the component's dynamic reference); null while none runs. */
    void shared(Supplier<SharedCounters> source) {
        shared = source;
    }

    /** This node's AUTH failures per network (bundle-wide: 587 and 465 alike). */
    LoginFailures authFailures() {
        return authFailures;
    }

    /**
     * A new connection from this network, counted here; false when this node alone has seen more
     * than {@code perMinute} within the minute.
     */
    boolean connectionHere(CidrBlock network, int perMinute) {
        return connections.attempt(network, perMinute, RATE_WINDOW_SECONDS);
    }

    /** The same connection counted in the fleet: the fleet's count, or null (decide on this node's). */
    CompletableFuture<Long> connectionShared(String listener, CidrBlock network) {
        return add(CONNECTION_KEY + listener + ":" + network, 1, RATE_WINDOW_SECONDS);
    }

    /** An AUTH try counted as a failure in the fleet before the check: the fleet's count, or null. */
    CompletableFuture<Long> authAttemptShared(CidrBlock network, int windowSeconds) {
        return add(AUTH_KEY + network, 1, windowSeconds);
    }

    /** A try counted by {@link #authAttemptShared} succeeded (or the backend failed): it no longer counts. */
    void authSucceededShared(CidrBlock network, int windowSeconds) {
        add(AUTH_KEY + network, -1, windowSeconds);
    }

    /** A failure counted after the fact (a bad SASL exchange), not waited for. */
    void authFailedShared(CidrBlock network, int windowSeconds) {
        add(AUTH_KEY + network, 1, windowSeconds);
    }

    /** Whether a shared store answers for this listener now (a SharedCounters service is registered). */
    boolean sharing() {
        return shared.get() != null;
    }

    /**
     * Adds to a shared count. Completes with the count after adding, or with null when no store
     * runs or it failed or was slow; never exceptionally, and never on the caller's thread's time.
     */
    CompletableFuture<Long> add(String key, long delta, int windowSeconds) {
        SharedCounters store = shared.get();
        if (store == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Long> answer = new CompletableFuture<>();
        try {
            CompletionStage<Long> call = store.add(key, delta, Duration.ofSeconds(windowSeconds));
            call.whenComplete((count, failure) -> {
                if (failure != null) {
                    answer.completeExceptionally(failure);
                } else {
                    answer.complete(count);
                }
            });
        } catch (RuntimeException e) {
            answer.completeExceptionally(e);
        }
        return answer.orTimeout(SHARED_WAIT_MILLIS, TimeUnit.MILLISECONDS).handle((count, failure) -> {
            if (failure != null || count == null) {
                degraded(failure);
                return null;
            }
            if (counters.sharedAnswered()) {
                LOG.info("shared counts answer again: AUTH failures and connection rates count across the fleet");
            }
            return count;
        });
    }

    private void degraded(Throwable failure) {
        if (counters.sharedFailed()) {
            LOG.warn(
                    "shared counts unavailable ({}): AUTH failures and connection rates are counted on this node "
                            + "only until the store answers again",
                    failure == null ? "no answer" : describe(failure));
        }
    }

    private static String describe(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
