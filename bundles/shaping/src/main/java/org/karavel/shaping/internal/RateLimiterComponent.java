package org.karavel.shaping.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.karavel.api.shaping.LocalRateLimiter;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.RateLimiter;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The in-process {@link LocalRateLimiter} as the {@link RateLimiter} service, ranked low so that a
 * shared store (Redis, for a fleet) published with a higher ranking takes its place. Idle budgets
 * are forgotten once a minute.
 */
@Component(immediate = true, service = RateLimiter.class, property = Constants.SERVICE_RANKING + ":Integer=-100")
public class RateLimiterComponent implements RateLimiter {
    private final LocalRateLimiter budgets = new LocalRateLimiter();
    private ScheduledExecutorService sweeper;

    @Activate
    void activate() {
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "karavel-shaping-budgets");
            t.setDaemon(true);
            return t;
        });
        Clock clock = Clock.systemUTC();
        sweeper.scheduleWithFixedDelay(() -> budgets.forgetIdle(clock.instant()), 1, 1, TimeUnit.MINUTES);
    }

    @Deactivate
    void deactivate() {
        sweeper.shutdownNow();
    }

    @Override
    public Admission tryAcquire(String key, Rate rate, int burst, Instant now) {
        return budgets.tryAcquire(key, rate, burst, now);
    }

    @Override
    public Admission peek(String key, Rate rate, int burst, Instant now) {
        return budgets.peek(key, rate, burst, now);
    }
}
