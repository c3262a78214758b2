package org.karavel.shell.internal;

import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.QueueId;

/**
 * What the operator tells delivery from the shell (bounce a message, flush, suspend or resume a
 * domain), with the one-line answers the commands print.
 */
public final class DeliveryOrders {
    /** A bounce waits for a running attempt of the message to finish, then for the DSN's commit. */
    private static final long BOUNCE_WAIT_SECONDS = 120;

    private final DeliveryControl control;

    public DeliveryOrders(DeliveryControl control) {
        this.control = control;
    }

    /** @return whether the message was bounced */
    public boolean bounce(String idText, String reason, PrintStream out, PrintStream err) {
        QueueId id;
        try {
            id = new QueueId(idText.trim());
        } catch (IllegalArgumentException e) {
            err.println("queue-bounce: " + idText + ": not a queue id");
            return false;
        }
        String why = reason == null || reason.isBlank() ? "bounced by the operator" : reason.trim();
        try {
            if (control.bounce(id, why).toCompletableFuture().get(BOUNCE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                out.println("Bounced " + id + ": its pending recipients failed with \"" + why
                        + "\"; a delivery status notification goes to the sender (none for <>).");
                return true;
            }
            err.println("queue-bounce: " + id + ": no such message in the queue");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("queue-bounce: interrupted");
        } catch (ExecutionException e) {
            err.println("queue-bounce: " + id + ": "
                    + (e.getCause() == null ? e : e.getCause().getMessage()));
        } catch (TimeoutException e) {
            err.println(
                    "queue-bounce: " + id + ": still running after " + BOUNCE_WAIT_SECONDS + " s; see the mail log");
        }
        return false;
    }

    public int flushDomain(String domain, PrintStream out) {
        String d = QueueListing.domainKey(domain);
        int n = control.flushDomain(d);
        out.println("Flushed " + n + (n == 1 ? " message" : " messages") + " with recipients at " + d
                + (control.suspendedDomains().contains(d)
                        ? " (suspended: nothing is sent until mta:domain-resume " + d + ")"
                        : "."));
        return n;
    }

    public void suspend(String domain, PrintStream out) {
        String d = QueueListing.domainKey(domain);
        control.suspend(d);
        out.println("Delivery to " + d + " suspended (until mta:domain-resume " + d
                + " or a restart of the delivery bundle).");
    }

    public boolean resume(String domain, PrintStream out, PrintStream err) {
        String d = QueueListing.domainKey(domain);
        if (control.resume(d)) {
            out.println("Delivery to " + d + " resumed; its queued mail is due now.");
            return true;
        }
        err.println("domain-resume: " + d + " was not suspended");
        return false;
    }

    public Set<String> listSuspended(PrintStream out) {
        Set<String> all = control.suspendedDomains();
        if (all.isEmpty()) {
            out.println("No domain is suspended.");
        } else {
            all.stream().sorted().forEach(out::println);
        }
        return all;
    }
}
