package org.karavel.api.fleet;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Counts shared by the fleet, each living for a window that starts at its first increment (AUTH
 * failures per client network, connections per client). One round trip per call.
 */
public interface SharedCounters {
    /**
     * Adds {@code delta} to the key's count, starting a window of {@code window} if the key has none.
     *
     * @return the count after adding; completes exceptionally when the store is unreachable
     */
    CompletionStage<Long> add(String key, long delta, Duration window);

    /** The key's count now, 0 when absent or expired; completes exceptionally when unreachable. */
    CompletionStage<Long> get(String key);
}
