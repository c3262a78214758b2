package org.karavel.shell.internal;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.maillog.MailLogLine.RemovedBy;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes messages from the queue without a bounce, like {@code postsuper -d}. A message being
 * delivered at that moment may still reach some recipients; delivery then records nothing for it.
 */
public final class QueueDelete {
    private static final Logger MAIL_LOG = LoggerFactory.getLogger("karavel.mail");
    private static final long WAIT_SECONDS = 30;

    private final Spool spool;

    public QueueDelete(Spool spool) {
        this.spool = spool;
    }

    /** @return how many messages were deleted */
    public int delete(List<String> ids, PrintStream out, PrintStream err) {
        int n = 0;
        for (String text : ids == null ? List.<String>of() : ids) {
            QueueId id;
            try {
                id = new QueueId(text.trim());
            } catch (IllegalArgumentException e) {
                err.println("queue-delete: " + text + ": not a queue id");
                continue;
            }
            try {
                if (spool.remove(id).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    MAIL_LOG.info(MailLogLine.removed(id, RemovedBy.SHELL));
                    n++;
                } else {
                    err.println("queue-delete: " + id + ": no such message in the queue");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println("queue-delete: interrupted");
                break;
            } catch (ExecutionException | TimeoutException e) {
                err.println("queue-delete: " + id + ": " + (e.getCause() == null ? e : e.getCause()));
            }
        }
        out.println("Deleted " + n + (n == 1 ? " message." : " messages."));
        return n;
    }
}
