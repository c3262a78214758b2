package org.karavel.smtp.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.karavel.api.filter.Verdict;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.Spool;
import org.karavel.api.queue.SpoolFullException;

/**
 * One message being received (DATA or BDAT): the spool draft it streams into, the decoder in
 * front of it, the size count, the header block and, when a filter needs it, a content copy.
 *
 * <p>Without end-of-message filters the Received header is written into the draft first, then the
 * content as it arrives; nothing is held whole in memory. With them the content goes only into the
 * copy the filters read while it fits in the copy's memory, and into the draft once, at the end,
 * after the headers the filters add: so a message is written to the spool once, not written and then
 * rewritten. A larger one is streamed into the draft as without filters (and rewritten if a filter
 * changes its headers). The first problem found (too big, bare CR/LF, line too long, a write error)
 * aborts the draft at once and is answered when the message ends; the rest is discarded.
 */
final class IncomingMessage implements BodyDecoder.Sink {
    private final ReceivedHeader received;
    private final BodyDecoder decoder;
    private final long maxSize;
    private final HeaderBlock headerBlock = new HeaderBlock();
    private final ContentCopy copy;
    private final boolean bdat;
    private MessageDraft draft;
    private QueueId id;
    private boolean discarded;
    /** Content so far only in the copy: the draft gets it (and the Received header) later. */
    private volatile boolean deferred;

    private long size;
    private Reply failure;
    private boolean clientFault;

    IncomingMessage(
            MessageDraft draft, ReceivedHeader received, ListenerSettings settings, boolean bdat, boolean keepCopy) {
        this.draft = draft;
        this.id = draft.id();
        this.received = received;
        this.bdat = bdat;
        this.maxSize = settings.maxMessageSize();
        this.copy = keepCopy ? new ContentCopy() : null;
        this.deferred = keepCopy;
        this.decoder = new BodyDecoder(!bdat, settings.normalizeBareLineEndings(), settings.maxDataLine(), this);
    }

    /** Writes the Received header, the first thing in the draft (later when the content is deferred). */
    void begin() throws IOException {
        if (!deferred) {
            draft.write(received.render(draft.id()).getBytes(StandardCharsets.UTF_8));
        }
    }

    boolean isBdat() {
        return bdat;
    }

    /** Decodes received octets; returns how many were consumed (see {@link BodyDecoder#feed}). */
    int feed(byte[] b, int offset, int length) {
        return decoder.feed(b, offset, length);
    }

    boolean ended() {
        return decoder.ended();
    }

    /** After BDAT LAST. */
    void finishChunks() {
        decoder.finish();
    }

    @Override
    public void content(byte[] b, int offset, int length) {
        if (failure != null) {
            return;
        }
        if (size + length > maxSize) {
            fail(Replies.SIZE_EXCEEDED, true);
            return;
        }
        size += length;
        boolean copyOnly = deferred && copy.fitsInMemory(length);
        try {
            if (copyOnly) {
                copy.write(b, offset, length);
            } else {
                if (deferred) {
                    // outgrew the copy's memory: the draft takes what came so far and streams from now on
                    writeDeferred(List.of(), Set.of());
                }
                draft.write(b, offset, length);
            }
        } catch (SpoolFullException e) {
            fail(Replies.NO_STORAGE, false);
            return;
        } catch (IOException | RuntimeException e) {
            fail(Replies.WRITE_ERROR, false);
            return;
        }
        headerBlock.accept(b, offset, length);
        if (headerBlock.overflowed()) {
            fail(Replies.HEADER_TOO_LARGE, true);
            return;
        }
        if (copy != null && !copyOnly) {
            copy.write(b, offset, length);
        }
    }

    /**
     * Writes what was deferred into the draft: the filters' headers, the Received header, and the
     * content from the copy's memory without the removed fields ({@code removed}: indexes into
     * {@link #view()}'s headers). The pieces go to the draft as they are, without another copy.
     */
    private void writeDeferred(List<Verdict.Header> added, Set<Integer> removed) throws IOException {
        MessageDraft d = draft();
        if (d == null) {
            throw new IOException("the message was thrown away");
        }
        deferred = false;
        StringBuilder sb = new StringBuilder();
        for (Verdict.Header h : added) {
            sb.append(h.name()).append(": ").append(h.value()).append("\r\n");
        }
        sb.append(received.render(d.id()));
        d.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        int from = 0;
        if (!removed.isEmpty()) {
            // the header section as it streamed by is the same text the copy begins with
            byte[] prefix = headerBlock.text();
            writeWithout(d, prefix, removed);
            from = prefix.length;
        }
        copy.writeTo(d::write, from);
    }

    /** Writes the header text {@code prefix} into {@code next} without the fields at {@code removed}. */
    private static void writeWithout(MessageDraft next, byte[] prefix, Set<Integer> removed) throws IOException {
        int written = 0;
        int index = 0;
        for (HeaderBlock.RawField field : HeaderBlock.split(prefix)) {
            if (field.header() != null && removed.contains(index++)) {
                next.write(prefix, written, field.start() - written);
                written = field.end();
            }
        }
        next.write(prefix, written, prefix.length - written);
    }

    /**
     * Puts the deferred content into the draft, unchanged (no filter changes the headers): the last
     * step before commit. Does nothing when the content was streamed into the draft already.
     */
    void complete() throws IOException {
        if (deferred) {
            writeDeferred(List.of(), Set.of());
        }
    }

    @Override
    public void violation(BodyDecoder.Violation violation) {
        fail(
                violation == BodyDecoder.Violation.BARE_LINE_ENDING
                        ? Replies.BARE_LINE_ENDING
                        : Replies.MESSAGE_LINE_TOO_LONG,
                true);
    }

    private void fail(Reply reply, boolean byClient) {
        if (failure == null) {
            failure = reply;
            clientFault = byClient;
            MessageDraft d = takeDraft();
            if (d != null) {
                d.abort(); // free the spool's memory or disk now; the rest is read and discarded
            }
            if (copy != null) {
                copy.close();
            }
        }
    }

    /** The first problem found, or null. */
    Reply failure() {
        return failure;
    }

    /** Whether the failure is the client's doing (counts as an error) rather than the server's. */
    boolean clientFault() {
        return clientFault;
    }

    /** Octets of content received (unstuffed), without the Received header. */
    long size() {
        return size;
    }

    /** The queue id: the draft's, also after the draft was aborted (for the mail log). */
    synchronized QueueId id() {
        return id;
    }

    synchronized MessageDraft draft() {
        return draft;
    }

    private synchronized MessageDraft takeDraft() {
        MessageDraft d = draft;
        draft = null;
        return d;
    }

    /** The view for end-of-message filters. */
    ReceivedMessage view() {
        if (copy != null) {
            copy.finish();
        }
        return new ReceivedMessage(headerBlock.headers(), size, copy);
    }

    /**
     * Puts headers from end-of-message verdicts on top. A deferred message gets them as it is written
     * into its draft, once. A draft cannot be edited, so a message that was streamed into its draft
     * gets a second draft (added headers, a Received header with the new queue id, the content re-read
     * from the copy) and the first is aborted: slow for big messages. Only used when a filter adds
     * headers or removes received ones ({@code removed}: indexes into {@link #view()}'s headers).
     * Runs on a worker thread.
     */
    void rewrite(Spool spool, List<Verdict.Header> added, Set<Integer> removed) throws IOException {
        if (copy == null) {
            throw new IOException("no copy of the content was kept");
        }
        if (deferred) {
            writeDeferred(added, removed);
            return;
        }
        MessageDraft next = spool.create();
        try {
            StringBuilder sb = new StringBuilder();
            for (Verdict.Header h : added) {
                sb.append(h.name()).append(": ").append(h.value()).append("\r\n");
            }
            next.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            next.write(received.render(next.id()).getBytes(StandardCharsets.UTF_8));
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = new BufferedInputStream(copy.open())) {
                writeWithout(next, HeaderBlock.readPrefix(in), removed);
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    next.write(buf, 0, n);
                }
            }
        } catch (IOException | RuntimeException e) {
            next.abort();
            throw e;
        }
        MessageDraft old;
        synchronized (this) {
            if (discarded) {
                next.abort();
                throw new IOException("the session ended meanwhile");
            }
            old = draft;
            draft = next;
            id = next.id();
        }
        if (old != null) {
            old.abort();
        }
    }

    /** Throws the message away (refused, reset, or the session ended before commit). */
    void discard() {
        MessageDraft d;
        synchronized (this) {
            discarded = true;
            d = draft;
            draft = null;
        }
        if (d != null) {
            d.abort();
        }
        release();
    }

    /** Drops the content copy (after commit). */
    void release() {
        if (copy != null) {
            copy.close();
        }
    }
}
