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
 * <p>The Received header is written into the draft first, then the content as it arrives; nothing
 * is held whole in memory. The first problem found (too big, bare CR/LF, line too long, a write
 * error) aborts the draft at once and is answered when the message ends; the rest is discarded.
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
        this.decoder = new BodyDecoder(!bdat, settings.normalizeBareLineEndings(), settings.maxDataLine(), this);
    }

    /** Writes the Received header, the first thing in the draft. */
    void begin() throws IOException {
        draft.write(received.render(draft.id()).getBytes(StandardCharsets.UTF_8));
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
        try {
            draft.write(b, offset, length);
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
        if (copy != null) {
            copy.write(b, offset, length);
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
     * Puts headers from end-of-message verdicts on top. A draft cannot be edited, so this writes a
     * second draft (added headers, a Received header with the new queue id, the content re-read
     * from the copy) and aborts the first. Slow for big messages; only used when a filter adds
     * headers or removes received ones ({@code removed}: indexes into {@link #view()}'s headers).
     * Runs on a worker thread.
     */
    void rewrite(Spool spool, List<Verdict.Header> added, Set<Integer> removed) throws IOException {
        if (copy == null) {
            throw new IOException("no copy of the content was kept");
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
                byte[] prefix = HeaderBlock.readPrefix(in);
                int written = 0;
                int index = 0;
                for (HeaderBlock.RawField field : HeaderBlock.split(prefix)) {
                    if (field.header() != null && removed.contains(index++)) {
                        next.write(prefix, written, field.start() - written);
                        written = field.end();
                    }
                }
                next.write(prefix, written, prefix.length - written);
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
