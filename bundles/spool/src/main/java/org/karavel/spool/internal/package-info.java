/**
 * The durable message queue: {@link org.karavel.spool.internal.DurableSpool} implements
 * {@link org.karavel.api.queue.Spool} on MapDB (envelopes and small bodies, transactional StoreWAL)
 * plus one file per large body under {@code <directory>/bodies/}. One committer thread groups every
 * pending change into a single MapDB commit, so one fsync serves many messages; a change's stage
 * completes only once that commit is durable. MapDB 3.1 does not replay its write-ahead log after a
 * crash, so its store file is written through a redo journal of our own ({@code CommitJournal}). A clean
 * close leaves {@code spool.clean} and an index snapshot ({@code spool.index}) so that the next opening
 * reads no record; both are removed when the spool opens.
 *
 * <p>Never: complete a commit stage before the fsync that makes it durable; fsync on a caller's
 * (network) thread; use Java serialization or MapDB's Elsa class loading (they break under OSGi);
 * let MapDB write its store file other than through the journal; give MapDB a FileChannel that a
 * caller's interrupt can close for good ({@code StoreFileVolume} reopens it); use a snapshot without
 * the clean marker and the store's matching token; crash or stop loading because one
 * record is unreadable (it goes to quarantine instead); hold more than {@code draft_memory_bytes} of
 * a draft's content in the heap.
 */
package org.karavel.spool.internal;
