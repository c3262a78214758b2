package org.karavel.clamav.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * The part of the clamd protocol (clamd(8)) this bundle speaks: {@code zPING} and {@code zINSTREAM}.
 * A command starts with {@code z} and ends with NUL, and so does its answer. INSTREAM content goes
 * in chunks, each a 4-byte big-endian length and that many octets, ended by a zero length. Blocking:
 * it runs on the bundle's scan threads, and a scan that runs out of time has its channel closed.
 */
final class ClamdProtocol {
    /** Octets per chunk; clamd reads chunks of any size up to StreamMaxLength. */
    static final int CHUNK = 64 * 1024;
    /** Longer answers are garbage: clamd's are one short line. */
    static final int MAX_ANSWER = 4096;

    private ClamdProtocol() {}

    /** Asks {@code zPING}; a live clamd answers {@code PONG}. */
    static String ping(ByteChannel channel) throws IOException {
        writeFully(channel, command("zPING"));
        return readAnswer(channel);
    }

    /** Streams the content with {@code zINSTREAM} and reads the answer. */
    static ClamdReply instream(ByteChannel channel, InputStream content) throws IOException {
        writeFully(channel, command("zINSTREAM"));
        ByteBuffer chunk = ByteBuffer.allocate(4 + CHUNK);
        int n;
        do {
            n = content.readNBytes(chunk.array(), 4, CHUNK);
            // n == 0 at the end: the zero-length chunk that ends the stream
            chunk.clear().putInt(0, n).limit(4 + n);
            try {
                writeFully(channel, chunk);
            } catch (IOException e) {
                return answerAfterRefusal(channel, e);
            }
        } while (n > 0);
        return ClamdReply.parse(readAnswer(channel));
    }

    /**
     * clamd answers {@code INSTREAM size limit exceeded. ERROR} and closes while the content is
     * still coming, so a write fails: the answer may be there to read all the same.
     */
    private static ClamdReply answerAfterRefusal(ByteChannel channel, IOException writeFailure) throws IOException {
        try {
            return ClamdReply.parse(readAnswer(channel));
        } catch (IOException e) {
            writeFailure.addSuppressed(e);
            throw writeFailure;
        }
    }

    /** The answer up to its NUL (or the end of the stream), without the NUL. */
    static String readAnswer(ByteChannel channel) throws IOException {
        ByteBuffer answer = ByteBuffer.allocate(MAX_ANSWER);
        while (answer.hasRemaining()) {
            int before = answer.position();
            if (channel.read(answer) < 0) {
                if (answer.position() == 0) {
                    throw new EOFException("clamd closed the connection without answering");
                }
                return text(answer, answer.position());
            }
            for (int i = before; i < answer.position(); i++) {
                if (answer.get(i) == 0) {
                    return text(answer, i);
                }
            }
        }
        throw new IOException("clamd's answer is longer than " + MAX_ANSWER + " octets");
    }

    private static String text(ByteBuffer answer, int length) {
        // clamd writes ASCII; anything else is kept visible for the log, never trusted
        return new String(answer.array(), 0, length, StandardCharsets.ISO_8859_1);
    }

    private static ByteBuffer command(String name) {
        return ByteBuffer.wrap((name + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    private static void writeFully(ByteChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
