package org.karavel.api.shaping;

import java.time.Duration;
import java.util.Optional;

/**
 * Connection slots held by the nodes of a fleet together: at most {@code limit} connections at once
 * under a key (a site, {@code site:gmail}) across every node. Published only by a shared store
 * (Redis); without one, delivery counts a site's connections itself, on its own node.
 *
 * <p>A slot is a lease: its node keeps it alive while the connection lives, and it expires when the
 * node stops doing so (a crashed node gives its slots back). Deciding makes one round trip and waits
 * at most a short deadline; when the store fails or is slower, the answer comes from this node's
 * share (the limit divided by the live nodes, at least 1) and never an exception. Callers ask from a
 * delivery worker, never from an I/O thread or while holding a lock others wait on.
 */
public interface ConnectionSlots {

    /**
     * Takes one of the key's slots if fewer than {@code limit} are held in the fleet.
     *
     * @param key the slots' name, e.g. {@code site:gmail}
     * @param limit slots held at most under the key across the fleet, at least 1
     * @param loweredFor how much longer {@code limit} is a temporary lowering (a reaction to a
     *     receiver's reply); for that long the store applies it to every node's asks for the key.
     *     {@link Duration#ZERO} when the limit is the usual one
     * @return the slot, to be closed when the connection ends; empty when the fleet holds them all
     */
    Optional<Slot> tryAcquire(String key, int limit, Duration loweredFor);

    /** A slot held; closing it gives it back at once (without waiting for the store), and only once. */
    interface Slot extends AutoCloseable {
        /** The key it was taken under. */
        String key();

        @Override
        void close();
    }
}
