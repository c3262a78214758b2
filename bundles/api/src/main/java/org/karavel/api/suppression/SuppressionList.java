package org.karavel.api.suppression;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The suppression list: recipients that mail from applications must not be sent to. Addresses are
 * compared in the form {@link Suppression#key} gives; an entry past its expiry counts as absent
 * everywhere (lookups, listings, counts) until the store purges it.
 *
 * <p>The contract is the same for the embedded store (MapDB) and a shared one (Redis, for a
 * fleet): no storage types appear in it, and everything the SMTP and delivery paths call has an
 * asynchronous form. The synchronous methods may wait on the store (a disk, or the network for a
 * shared store): call them from shell commands, admin requests or worker threads, <b>never from a
 * MINA I/O thread</b>. The SMTP filter uses {@link #lookup}, which filters already run on worker
 * threads; delivery uses {@link #permanentFailure}, which never waits.
 *
 * <p>Writes take effect for lookups at once; the embedded store makes them durable in groups (at
 * most a second later).
 */
public interface SuppressionList {

    /**
     * The entry in force for an address, if any. The embedded store answers from its database
     * without waiting on another thread; a shared store may block on the network.
     *
     * @throws IllegalArgumentException "address: ..." for a malformed address
     */
    Optional<Suppression> find(String address);

    /**
     * {@link #find}, as a stage: the form RCPT-time checks use. The default answers at once on the
     * caller's thread; a store that asks the network completes the stage from its own threads.
     */
    default CompletionStage<Optional<Suppression>> lookup(String address) {
        try {
            return CompletableFuture.completedFuture(find(address));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Adds the entry, or replaces the one the address had.
     *
     * @return the entry as stored
     */
    Suppression add(Suppression entry);

    /**
     * Delivery recorded a permanent failure of a recipient: the list decides by its own settings
     * (which categories suppress, for how long) whether to add an entry. Never waits: the work
     * happens on the store's own thread.
     *
     * @param address the recipient that bounced
     * @param category its bounce category, e.g. {@code invalid_recipient}
     * @param reply the remote reply (the entry's reason)
     * @param queueId the message that bounced (the entry's source)
     * @return the entry added, or empty when this category does not suppress (or the list is off)
     */
    CompletionStage<Optional<Suppression>> permanentFailure(
            String address, String category, String reply, String queueId);

    /**
     * Removes an address's entry.
     *
     * @return whether there was one (an expired entry counts as none)
     */
    boolean remove(String address);

    /** One page of the entries in force, in address order. */
    SuppressionPage list(SuppressionQuery query);

    /**
     * How many entries are stored: entries expired since the store's last purge may still count, and
     * a shared store may answer an estimate. For a gauge, not for decisions.
     */
    long count();

    /**
     * Adds or replaces every entry, as one change.
     *
     * @return how many entries were written
     */
    int importEntries(Collection<Suppression> entries);

    /** Hands every entry in force to {@code sink}, in address order (for an export). */
    void exportEntries(Consumer<? super Suppression> sink);
}
