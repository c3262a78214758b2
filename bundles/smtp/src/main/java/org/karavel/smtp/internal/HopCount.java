package org.karavel.smtp.internal;

import java.util.List;
import org.karavel.api.filter.Verdict;

/**
 * The mail-loop check at end of data (Postfix's {@code hopcount_limit}): each MTA a message passes
 * adds a {@code Received:} field on top, so a message that carries more than the limit is going
 * round in circles. Counted in the header fields kept as the message streamed in (the first 64 KiB
 * of the header section, where the Received fields of a loop pile up); the field this listener
 * adds is not among them.
 */
final class HopCount {
    private HopCount() {}

    /** The refusal when the message has more Received: fields than {@code limit}, else null. */
    static Reply check(List<Verdict.Header> headers, int limit) {
        int hops = 0;
        for (Verdict.Header h : headers) {
            if (h.name().equalsIgnoreCase("Received") && ++hops > limit) {
                return Replies.TOO_MANY_HOPS;
            }
        }
        return null;
    }
}
