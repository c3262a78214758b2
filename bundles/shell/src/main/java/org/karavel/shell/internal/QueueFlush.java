package org.karavel.shell.internal;

import java.io.PrintStream;
import java.util.List;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.Spool;

/** Makes queued messages due now, as {@code postqueue -f} / {@code -i id} do. */
public final class QueueFlush {
    private final Spool spool;

    public QueueFlush(Spool spool) {
        this.spool = spool;
    }

    /**
     * Flushes the given messages, or all of them when {@code ids} is empty; one error line for each
     * id that is not valid or not in the queue.
     *
     * @return how many messages were flushed
     */
    public int flush(List<String> ids, PrintStream out, PrintStream err) {
        if (ids == null || ids.isEmpty()) {
            int n = spool.flushAll();
            out.println("Flushed " + n + (n == 1 ? " message" : " messages") + " (the whole queue).");
            return n;
        }
        int n = 0;
        for (String text : ids) {
            QueueId id;
            try {
                id = new QueueId(text.trim());
            } catch (IllegalArgumentException e) {
                err.println("queue-flush: " + text + ": not a queue id");
                continue;
            }
            if (spool.flush(id)) {
                n++;
            } else {
                err.println("queue-flush: " + id + ": no such message in the queue");
            }
        }
        out.println("Flushed " + n + (n == 1 ? " message." : " messages."));
        return n;
    }
}
