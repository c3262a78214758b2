package org.karavel.api.queue;

import java.time.Instant;
import java.util.List;

/** Told about each queued message with pending recipients, for summaries that need no full record. */
@FunctionalInterface
public interface PendingVisitor {
    /**
     * @param receivedAt when the message was accepted
     * @param pendingDomains the domain key of each pending recipient, so a domain repeats once per
     *     recipient there; never empty
     */
    void visit(Instant receivedAt, List<String> pendingDomains);
}
