package org.karavel.delivery.internal;

import java.util.function.Supplier;
import org.karavel.api.queue.QueueId;
import org.karavel.api.suppression.SuppressionList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each hard bounce to the suppression list (a dynamic OSGi reference: null while the
 * suppression bundle is absent), which decides by its own categories whether the recipient is
 * suppressed. Never waits: the list does its work on its own thread, and its failure only logs.
 */
final class RecipientSuppression {
    private static final Logger LOG = LoggerFactory.getLogger(RecipientSuppression.class);

    /** No suppression list: bounces are only bounces. */
    static final RecipientSuppression NONE = new RecipientSuppression(() -> null);

    private final Supplier<SuppressionList> list;

    RecipientSuppression(Supplier<SuppressionList> list) {
        this.list = list;
    }

    /** A recipient of message {@code id} failed for good with {@code reply}, classified {@code category}. */
    void bounced(QueueId id, RecipientResult r, String category) {
        SuppressionList l = list.get();
        if (l == null || category == null || category.isEmpty()) {
            return;
        }
        try {
            l.permanentFailure(r.recipient().toString(), category, r.reply(), id.value())
                    .whenComplete((added, e) -> {
                        if (e != null) {
                            LOG.warn("{}: {} not added to the suppression list: {}", id, r.recipient(), e.toString());
                        }
                    });
        } catch (RuntimeException e) {
            LOG.warn("{}: {} not added to the suppression list: {}", id, r.recipient(), e.toString());
        }
    }
}
