package org.karavel.smtp.internal;

import java.util.List;
import java.util.Set;
import org.karavel.api.filter.Verdict;

/**
 * What the filter chain decided at one stage.
 *
 * @param outcome pass (no filter refused), refused (a REJECT or DEFER verdict) or failed (a filter
 *     threw, failed its stage or ran out of time)
 * @param verdict the refusing verdict when refused
 * @param filterName the filter that refused or failed
 * @param headers headers to add, from every verdict given (end of message only)
 * @param removed indexes of received header fields to leave out, from every verdict given
 */
record StageResult(
        Outcome outcome, Verdict verdict, String filterName, List<Verdict.Header> headers, Set<Integer> removed) {
    enum Outcome {
        PASS,
        REFUSED,
        FAILED
    }

    static final StageResult PASS = new StageResult(Outcome.PASS, null, null, List.of(), Set.of());

    StageResult {
        headers = List.copyOf(headers);
        removed = Set.copyOf(removed);
    }

    /** Whether the message must be rewritten: headers to add or to remove. */
    boolean changesHeaders() {
        return !headers.isEmpty() || !removed.isEmpty();
    }

    boolean passed() {
        return outcome == Outcome.PASS;
    }
}
