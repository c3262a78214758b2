package org.karavel.itests;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Waits for a condition with Awaitility. It polls in the test's own thread: Awaitility's polling
 * thread once kept the Pax Exam container from shutting down.
 */
final class Poll {
    private static final Duration INTERVAL = Duration.ofMillis(50);

    private Poll() {}

    static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition, () -> null);
    }

    /** As {@link #until(String, Duration, BooleanSupplier)}; a timeout also reports what {@code lastSeen} says. */
    static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> lastSeen) {
        try {
            Awaitility.await(what)
                    .atMost(timeout)
                    .pollInSameThread()
                    .pollDelay(Duration.ZERO)
                    .pollInterval(INTERVAL)
                    .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            String seen = lastSeen.get();
            throw new AssertionError(
                    "timed out after " + timeout.toSeconds() + " s waiting for " + what
                            + (seen == null ? "" : "; last seen: " + seen),
                    e);
        }
    }
}
