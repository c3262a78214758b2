package org.karavel.api.fleet;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionStage;

/**
 * Greylisting decided across a fleet: the triplet's first-seen time and pass state, and the
 * auto-whitelist counts per client network, kept in the shared store, so a retry that reaches
 * another node passes. Each decision is atomic in the store (one round trip).
 */
public interface SharedGreylist {
    /**
     * Records one sighting of a triplet and decides it, as the embedded greylist would.
     *
     * @return the verdict; completes exceptionally when the store is unreachable (the caller then
     *     lets the mail through: greylisting fails open)
     */
    CompletionStage<Verdict> decide(Sighting sighting);

    /** Lets a triplet (sender and recipient set) or a whole client network (both null) pass. */
    CompletionStage<Void> allow(String clientNetwork, String sender, String recipient);

    /**
     * One sighting and the policy to decide it by.
     *
     * @param triplet the triplet's key (client network, sender, recipient, as the greylist forms it)
     * @param clientNetwork the client's network in CIDR text, for the auto-whitelist counts
     * @param now the deciding node's clock
     * @param delay how long a new triplet waits before a retry passes
     * @param retryWindow how long an unpassed triplet is kept
     * @param passedTtl how long a passed triplet (and a client's counts) is kept after last seen
     * @param autoWhitelistAfter passes after which the whole client network passes; 0 turns it off
     */
    record Sighting(
            String triplet,
            String clientNetwork,
            Instant now,
            Duration delay,
            Duration retryWindow,
            Duration passedTtl,
            int autoWhitelistAfter) {}

    /**
     * A decision.
     *
     * @param pass whether the mail passes now
     * @param reason {@code retry}, {@code passed}, {@code whitelist} (operator), {@code auto}, or
     *     {@code new}/{@code early} when deferred
     * @param retryAfterSeconds when deferred, seconds until a retry would pass
     */
    record Verdict(boolean pass, String reason, long retryAfterSeconds) {}
}
