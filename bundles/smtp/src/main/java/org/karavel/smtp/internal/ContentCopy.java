package org.karavel.smtp.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A second copy of the message content, so that {@link org.karavel.api.filter.MessageView#open()}
 * can re-read a message that is not committed yet (a draft cannot be read back). Kept only while
 * some filter implements the end-of-message stage: in memory up to {@link #MEMORY_LIMIT} octets,
 * beyond that in a temporary file (owner-only permissions) deleted when the transaction ends.
 */
final class ContentCopy implements AutoCloseable {
    static final int MEMORY_LIMIT = 256 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(ContentCopy.class);

    // pieces that double up to 64 KB: growing one array would copy a large message several times
    private List<byte[]> memory = new ArrayList<>();
    private int lastLength;
    private int memoryLength;
    private Path file;
    private OutputStream fileOut;
    private IOException broken;
    private boolean closed;

    void write(byte[] b, int offset, int length) {
        if (broken != null || closed) {
            return;
        }
        try {
            if (file == null && memoryLength + length <= MEMORY_LIMIT) {
                keep(b, offset, length);
                return;
            }
            if (file == null) {
                file = Files.createTempFile("karavel-smtp-", ".msg");
                fileOut = Files.newOutputStream(file);
                for (int i = 0; i < memory.size(); i++) {
                    fileOut.write(memory.get(i), 0, i == memory.size() - 1 ? lastLength : memory.get(i).length);
                }
                memory = null;
            }
            fileOut.write(b, offset, length);
        } catch (IOException e) {
            LOG.warn("Cannot keep a copy of the message for filters: {}", e.toString());
            broken = e;
            close();
        }
    }

    private void keep(byte[] b, int offset, int length) {
        while (length > 0) {
            byte[] last = memory.isEmpty() ? null : memory.get(memory.size() - 1);
            if (last == null || lastLength == last.length) {
                last = new byte[last == null ? 8192 : Math.min(65536, last.length * 2)];
                memory.add(last);
                lastLength = 0;
            }
            int n = Math.min(length, last.length - lastLength);
            System.arraycopy(b, offset, last, lastLength, n);
            lastLength += n;
            memoryLength += n;
            offset += n;
            length -= n;
        }
    }

    /** Where {@link #writeTo} hands the pieces: a draft's {@code write}. */
    interface Target {
        void write(byte[] b, int offset, int length) throws IOException;
    }

    /** Whether {@code length} more octets still stay in memory (no temporary file so far). */
    boolean fitsInMemory(int length) {
        return file == null && memory != null && broken == null && memoryLength + length <= MEMORY_LIMIT;
    }

    /**
     * Hands the octets kept in memory from offset {@code from} on to {@code target}, piece by piece and
     * without copying them (only while the copy is in memory, see {@link #fitsInMemory}).
     */
    void writeTo(Target target, int from) throws IOException {
        List<byte[]> pieces = memory;
        if (pieces == null || file != null) {
            throw new IOException("the copy of the message is gone or not in memory");
        }
        int skip = from;
        for (int i = 0; i < pieces.size(); i++) {
            byte[] piece = pieces.get(i);
            int length = i == pieces.size() - 1 ? lastLength : piece.length;
            if (skip >= length) {
                skip -= length;
                continue;
            }
            target.write(piece, skip, length - skip);
            skip = 0;
        }
    }

    /** Ends writing; the copy can be opened from now on. */
    void finish() {
        if (fileOut != null) {
            try {
                fileOut.close();
            } catch (IOException e) {
                broken = e;
            }
            fileOut = null;
        }
    }

    InputStream open() throws IOException {
        if (broken != null) {
            throw new IOException("the copy of the message could not be kept", broken);
        }
        if (file != null) {
            return Files.newInputStream(file);
        }
        if (memory == null) {
            throw new IOException("the copy of the message is gone (transaction ended)");
        }
        List<InputStream> pieces = new ArrayList<>(memory.size());
        for (int i = 0; i < memory.size(); i++) {
            pieces.add(new ByteArrayInputStream(
                    memory.get(i), 0, i == memory.size() - 1 ? lastLength : memory.get(i).length));
        }
        return new SequenceInputStream(Collections.enumeration(pieces));
    }

    @Override
    public void close() {
        closed = true;
        if (fileOut != null) {
            try {
                fileOut.close();
            } catch (IOException e) {
                // deleting it next
            }
            fileOut = null;
        }
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warn("Cannot delete temporary message copy {}: {}", file, e.toString());
            }
        }
        memory = null;
    }
}
