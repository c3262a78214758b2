package org.karavel.spool.internal;

import static org.karavel.spool.internal.TestMessages.content;
import static org.karavel.spool.internal.TestMessages.envelope;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;

/**
 * Run in a child JVM by {@link CrashRecoveryTest}: enqueues messages from several threads until it is
 * killed, printing a line only after the stage it reports completed: {@code Q id seq} once queued
 * (the "250 queued" promise), then for every fifth message {@code U id seq} once a delivery update
 * was recorded and for another fifth {@code R id seq} once it was removed, so that updates and
 * removals (and the free space they leave in MapDB) are part of what a crash interrupts.
 * Arguments: spool directory, first sequence number.
 */
public final class SpoolCrashWriter {
    private SpoolCrashWriter() {}

    /** Content sizes: mostly small (inline), every fourth large (own body file), some multi-chunk. */
    static int sizeOf(long seq) {
        return seq % 4 == 0 ? 70_000 + (int) (seq % 13) * 1000 : 200 + (int) (seq * 37 % 5000);
    }

    /** The delivery update the writer records: first recipient delivered, one attempt, retry later. */
    static QueuedMessage updated(QueuedMessage m) {
        List<RecipientStatus> r = new ArrayList<>(m.recipients());
        r.set(0, r.get(0).with(RecipientStatus.State.DELIVERED, "250 2.0.0 Ok", "mx.example.test"));
        return m.withRecipients(r).withNextAttempt(1, m.nextAttempt().plusSeconds(600));
    }

    private static void print(PrintStream out, String what, QueuedMessage m, long seq) {
        synchronized (out) {
            out.println(what + " " + m.id() + " " + seq);
            out.flush();
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        AtomicLong next = new AtomicLong(Long.parseLong(args[1]));
        PrintStream out = System.out;
        DurableSpool spool =
                DurableSpool.open(SpoolSettings.defaults(dir).withMinFreeDisk(0).withEmergencyReserve(1 << 20));
        synchronized (out) {
            out.println("READY");
            out.flush();
        }
        Runnable writer = () -> {
            try {
                while (true) {
                    long seq = next.getAndIncrement();
                    byte[] body = content(seq, sizeOf(seq));
                    MessageDraft draft = spool.create();
                    for (int off = 0; off < body.length; off += 8192) {
                        draft.write(body, off, Math.min(8192, body.length - off));
                    }
                    QueuedMessage m =
                            draft.commit(envelope(seq)).toCompletableFuture().join();
                    print(out, "Q", m, seq);
                    if (seq % 5 == 1) {
                        spool.remove(m.id()).toCompletableFuture().join();
                        print(out, "R", m, seq);
                    } else if (seq % 5 == 2) {
                        spool.update(updated(m)).toCompletableFuture().join();
                        print(out, "U", m, seq);
                    }
                }
            } catch (Exception ex) {
                ex.printStackTrace();
                System.exit(2);
            }
        };
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(writer, "writer-" + i);
            t.start();
        }
    }
}
