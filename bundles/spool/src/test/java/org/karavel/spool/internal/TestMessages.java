package org.karavel.spool.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;

/** Envelopes and contents that tests (and the crash writer in its own JVM) can rebuild from a number. */
final class TestMessages {
    private TestMessages() {}

    static MailAddress address(String text) {
        try {
            return MailAddress.parse(text);
        } catch (AddressSyntaxException ex) {
            throw new IllegalArgumentException(ex);
        }
    }

    /** An envelope derived from {@code seq}: every seventh has the null sender, every third two recipients. */
    static Envelope envelope(long seq) {
        MailAddress sender = seq % 7 == 0 ? MailAddress.NULL_SENDER : address("sender" + seq + "@example.test");
        List<MailAddress> rcpts = seq % 3 == 0
                ? List.of(address("rcpt" + seq + "@example.test"), address("\"quoted " + seq + "\"@[192.0.2.1]"))
                : List.of(address("rcpt" + seq + "@example.test"));
        return new Envelope(
                sender,
                rcpts,
                Map.of("BODY", "8BITMIME", "ENVID", "e" + seq),
                Instant.ofEpochSecond(1_700_000_000L + seq, 123_000_000),
                "192.0.2." + (seq % 250),
                "client" + seq + ".example.test",
                "mx",
                seq % 2 == 0 ? "" : "user" + seq);
    }

    /** Pseudo-random content of the given size, the same for the same seed (CRLF at the end). */
    static byte[] content(long seed, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        if (size >= 2) {
            b[size - 2] = '\r';
            b[size - 1] = '\n';
        }
        return b;
    }

    /** Writes {@code content} in chunks of at most 8 KB and commits it. */
    static QueuedMessage enqueue(Spool spool, Envelope envelope, byte[] content) throws IOException {
        try (MessageDraft draft = spool.create()) {
            for (int off = 0; off < content.length; off += 8192) {
                draft.write(content, off, Math.min(8192, content.length - off));
            }
            return draft.commit(envelope).toCompletableFuture().join();
        }
    }

    static byte[] read(Spool spool, org.karavel.api.queue.QueueId id) throws IOException {
        try (InputStream in = spool.openContent(id)) {
            return in.readAllBytes();
        }
    }
}
