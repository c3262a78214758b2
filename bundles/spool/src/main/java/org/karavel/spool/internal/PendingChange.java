package org.karavel.spool.internal;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;

/** A change waiting for the next group commit; its result completes after that commit. */
sealed interface PendingChange {
    CompletableFuture<?> result();

    /**
     * A new message from a draft.
     *
     * @param inlineContent the whole content when it goes into MapDB, else null
     * @param body the open, not yet fsynced body file when the content is in {@code bodyFile}, else null
     */
    record Enqueue(
            StoredMessage stored,
            byte[] inlineContent,
            FileChannel body,
            Path bodyFile,
            CompletableFuture<QueuedMessage> result)
            implements PendingChange {}

    /** New recipient states, attempts, next attempt and bounced flag for a queued message. */
    record Update(QueuedMessage message, CompletableFuture<Void> result) implements PendingChange {}

    /** Sets only the next attempt, on whatever state the message has when the commit applies it (flush). */
    record Reschedule(QueueId id, Instant when, CompletableFuture<Boolean> result) implements PendingChange {}

    record Removal(QueueId id, CompletableFuture<Boolean> result) implements PendingChange {}

    /** Moves a message whose content turned out unreadable (e.g. cut short) to the quarantine. */
    record Quarantine(QueueId id, String reason, CompletableFuture<Boolean> result) implements PendingChange {}

    /** Deletes inline content no message references (left by a crash); kept if a message now does. */
    record DropOrphanContent(QueueId id, CompletableFuture<Boolean> result) implements PendingChange {}
}
