package org.karavel.redis.internal;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.shaping.LocalRateLimiter;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.RateLimiter;

/**
 * Rate budgets shared by the fleet: GCRA in one Lua script on Redis's clock (one round trip), so
 * five nodes together keep {@code 100/min} to a site. When Redis fails or is slower than the command
 * timeout, the answer comes from a {@link LocalRateLimiter} holding this node's share (the rate and
 * burst divided by the live nodes of the last heartbeat); the caller never sees an exception.
 */
final class RedisRateLimiter implements RateLimiter, AutoCloseable {
    private static final LuaScript GCRA = LuaScript.of("gcra", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local interval = tonumber(ARGV[1])
            local tolerance = tonumber(ARGV[2])
            local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
            if tat < now then tat = now end
            local allow = tat - tolerance
            if now < allow then
              return {0, string.format('%d', allow - now)}
            end
            if ARGV[3] == '1' then
              local new = tat + interval
              redis.call('SET', KEYS[1], string.format('%d', new),
                'PX', string.format('%d', math.floor((new - now) / 1000) + 1))
              return {1, string.format('%d', new - tolerance - now)}
            end
            return {1, '0'}
            """);

    private final RedisStore store;
    private final Fleet fleet;
    private final LocalRateLimiter share = new LocalRateLimiter();
    private final ScheduledFuture<?> sweeps;

    RedisRateLimiter(RedisStore store, Fleet fleet) {
        this.store = store;
        this.fleet = fleet;
        this.sweeps =
                store.timer().scheduleWithFixedDelay(() -> share.forgetIdle(Instant.now()), 1, 1, TimeUnit.MINUTES);
    }

    @Override
    public Admission tryAcquire(String key, Rate rate, int burst, Instant now) {
        return decide(key, rate, burst, now, true);
    }

    @Override
    public Admission peek(String key, Rate rate, int burst, Instant now) {
        return decide(key, rate, burst, now, false);
    }

    private Admission decide(String key, Rate rate, int burst, Instant now, boolean take) {
        if (!store.reachable()) {
            return local(key, rate, burst, now, take);
        }
        long interval = Math.max(1, rate.interval().toNanos() / 1000);
        long tolerance = interval * (Math.max(1, burst) - 1L);
        try {
            List<Object> reply = store.<List<Object>>eval(
                            GCRA,
                            ScriptOutputType.MULTI,
                            new String[] {store.key("rate:" + key)},
                            Long.toString(interval),
                            Long.toString(tolerance),
                            take ? "1" : "0")
                    .toCompletableFuture()
                    // the command timeout fails the stage; this bound only guards against a lost answer
                    .get(store.settings().commandTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
            long waitMicros = Long.parseLong(String.valueOf(reply.get(1)));
            Instant at = now.plus(Duration.ofNanos(waitMicros * 1000));
            if (((Number) reply.get(0)).longValue() == 1) {
                // with the wait until the next event is admitted (none, or negative, while the burst has room)
                return Admission.admittedNextAt(at);
            }
            return Admission.refusedUntil(at);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return local(key, rate, burst, now, take);
        } catch (Exception e) {
            return local(key, rate, burst, now, take);
        }
    }

    /** This node's share of the budget, while the shared one cannot be asked. */
    private Admission local(String key, Rate rate, int burst, Instant now, boolean take) {
        store.degraded("rate_limiter");
        int nodes = Math.max(1, fleet.liveNodes());
        Rate mine = new Rate(rate.count(), rate.period().multipliedBy(nodes));
        int myBurst = Math.max(1, burst / nodes);
        return take ? share.tryAcquire(key, mine, myBurst, now) : share.peek(key, mine, myBurst, now);
    }

    @Override
    public void close() {
        sweeps.cancel(false);
    }
}
