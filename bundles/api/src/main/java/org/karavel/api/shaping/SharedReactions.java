package org.karavel.api.shaping;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The reactions in force across a fleet: a node that saw a receiver's reply (a suspension, a lowered
 * rate or connection limit) tells the others, which apply it until it ends, as if they had seen the
 * reply themselves. Published by a shared store bundle only when one is configured; without it each
 * node reacts to the replies it gets.
 */
public interface SharedReactions {
    /**
     * Tells the fleet about an action this node started or extended (the merged action in force
     * here). Completes exceptionally when the store is unreachable; the action still holds here.
     */
    CompletionStage<Void> publish(ShapingAction action);

    /** The actions of every node (this one's included) still in force at {@code now}. */
    CompletionStage<List<ShapingAction>> active(Instant now);
}
