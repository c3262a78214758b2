package org.karavel.spool.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.SpoolFullException;

/**
 * A message being received. Content stays in a heap buffer of at most {@code draft_memory_bytes};
 * beyond that it goes to its body file as it arrives (page cache only: the committer fsyncs it).
 */
final class SpoolDraft implements MessageDraft {
    private enum State {
        OPEN,
        COMMITTED,
        ABORTED
    }

    private static final byte[] EMPTY = new byte[0];

    private final DurableSpool spool;
    private final QueueId id;
    private final Path bodyFile;
    private final int memoryLimit;
    private final int inlineThreshold;

    private byte[] buffer = EMPTY;
    private int buffered;
    private long size;
    private FileChannel body;
    private State state = State.OPEN;
    private String abortReason = "draft was aborted";

    SpoolDraft(DurableSpool spool, QueueId id, Path bodyFile, int memoryLimit, int inlineThreshold) {
        this.spool = spool;
        this.id = id;
        this.bodyFile = bodyFile;
        this.memoryLimit = memoryLimit;
        this.inlineThreshold = inlineThreshold;
    }

    @Override
    public QueueId id() {
        return id;
    }

    @Override
    public synchronized void write(byte[] data, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, data.length);
        checkOpen();
        if (body == null && size + length <= memoryLimit) {
            ensureCapacity(buffered + length);
            System.arraycopy(data, offset, buffer, buffered, length);
            buffered += length;
        } else {
            if (body == null) {
                spill();
            }
            try {
                writeFully(body, data, offset, length);
            } catch (IOException ex) {
                throw diskFullOr(ex);
            }
        }
        size += length;
    }

    @Override
    public synchronized long size() {
        return size;
    }

    /** Heap octets this draft holds for content right now (the buffer's capacity). */
    synchronized int heapBytes() {
        return buffer.length;
    }

    /** Whether the content is (also) in the body file already. */
    synchronized boolean spilled() {
        return body != null;
    }

    @Override
    public CompletionStage<QueuedMessage> commit(Envelope envelope) {
        Objects.requireNonNull(envelope, "envelope");
        byte[] inline;
        FileChannel file;
        long finalSize;
        synchronized (this) {
            try {
                checkOpen();
                if (body == null && size > inlineThreshold) {
                    spill();
                }
            } catch (IOException ex) {
                abort();
                return CompletableFuture.failedFuture(ex);
            }
            state = State.COMMITTED;
            inline = body != null ? null : buffer.length == buffered ? buffer : Arrays.copyOf(buffer, buffered);
            file = body;
            finalSize = size;
            buffer = EMPTY;
            buffered = 0;
            body = null;
        }
        return spool.enqueue(this, envelope, inline, file, finalSize);
    }

    @Override
    public void abort() {
        abort("draft was aborted");
    }

    synchronized void abort(String reason) {
        if (state != State.OPEN) {
            return;
        }
        state = State.ABORTED;
        abortReason = reason;
        buffer = EMPTY;
        buffered = 0;
        if (body != null) {
            try {
                body.close();
            } catch (IOException ignored) {
                // the file is deleted next; nothing to keep
            }
            body = null;
            try {
                Files.deleteIfExists(bodyFile);
            } catch (IOException ignored) {
                // an orphan body file is deleted at the next start
            }
        }
        spool.forget(this);
    }

    private void checkOpen() throws IOException {
        if (state == State.ABORTED) {
            throw new IOException(abortReason);
        }
        if (state == State.COMMITTED) {
            throw new IOException("draft " + id + " is already committed");
        }
    }

    private void ensureCapacity(int needed) {
        if (needed > buffer.length) {
            int grown = Math.max(needed, Math.max(1024, buffer.length * 2));
            buffer = Arrays.copyOf(buffer, Math.min(grown, memoryLimit));
        }
    }

    /** Moves what is in the heap to the body file; from now on content goes straight to the file. */
    private void spill() throws IOException {
        FileChannel out = spool.createBody(id);
        try {
            writeFully(out, buffer, 0, buffered);
        } catch (IOException ex) {
            out.close();
            Files.deleteIfExists(bodyFile);
            throw diskFullOr(ex);
        }
        body = out;
        buffer = EMPTY;
        buffered = 0;
    }

    private static void writeFully(FileChannel file, byte[] data, int offset, int length) throws IOException {
        ByteBuffer src = ByteBuffer.wrap(data, offset, length);
        while (src.hasRemaining()) {
            file.write(src);
        }
    }

    /**
     * A body write that failed because the file system is full (ENOSPC, or EDQUOT for a quota) is a full
     * spool: the SMTP layer answers 452 4.3.1 for it, not a generic 451 write error. Java gives no errno,
     * only the system's message, so the message is what tells them apart.
     */
    static IOException diskFullOr(IOException ex) {
        if (ex instanceof SpoolFullException) {
            return ex;
        }
        // MapDB wraps I/O errors of a commit in its own exceptions: look along the causes
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null
                    && (message.contains("No space left on device") || message.contains("Disk quota exceeded"))) {
                SpoolFullException full = new SpoolFullException("the spool's file system is full: " + message);
                full.initCause(ex);
                return full;
            }
        }
        return ex;
    }
}
