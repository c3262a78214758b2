package org.karavel.delivery.internal;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the operator may tell delivery (shell, admin API): bounce a message, flush or suspend a
 * recipient domain. Suspensions live in memory and are lost when the delivery bundle restarts.
 */
final class OperatorControl implements DeliveryControl {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorControl.class);

    private final DeliveryScheduler scheduler;
    private final Spool spool;
    private final DomainSuspensions suspensions;

    OperatorControl(DeliveryScheduler scheduler, Spool spool) {
        this.scheduler = scheduler;
        this.spool = spool;
        this.suspensions = scheduler.suspensions();
    }

    @Override
    public CompletionStage<Boolean> bounce(QueueId id, String reason) {
        return scheduler.bounce(Objects.requireNonNull(id, "id"), reason);
    }

    @Override
    public int flushDomain(String domain) {
        String key = DomainSuspensions.key(domain);
        // from the spool's index of pending domains: visits only this domain's messages
        int n = spool.flushPendingAt(key);
        LOG.info(
                "flush of {}: {} message(s) due now{}",
                key,
                n,
                suspensions.isSuspended(key) ? " (suspended: not attempted)" : "");
        return n;
    }

    @Override
    public void suspend(String domain) {
        suspensions.suspend(domain);
        LOG.info("delivery to {} suspended by the operator", DomainSuspensions.key(domain));
    }

    @Override
    public boolean resume(String domain) {
        if (!suspensions.resume(domain)) {
            return false;
        }
        LOG.info("delivery to {} resumed by the operator", DomainSuspensions.key(domain));
        flushDomain(domain);
        return true;
    }

    @Override
    public Set<String> suspendedDomains() {
        return suspensions.all();
    }

    static boolean hasPendingAt(QueuedMessage m, String domainKey) {
        for (RecipientStatus r : m.recipients()) {
            if (r.isPending() && r.recipient().domainKey().equals(domainKey)) {
                return true;
            }
        }
        return false;
    }
}
