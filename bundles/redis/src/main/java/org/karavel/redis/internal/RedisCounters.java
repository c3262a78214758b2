package org.karavel.redis.internal;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.karavel.api.fleet.SharedCounters;

/**
 * Counters in Redis: INCRBY and the window's expiry in one script (one round trip, atomic). The
 * expiry is set only when the key has none, so a window starts at the first increment and is not
 * pushed out by later ones (EXPIRE NX, written as a PTTL test so that Redis 6 works too).
 */
final class RedisCounters implements SharedCounters {
    private static final LuaScript ADD = LuaScript.of("counter-add", """
            local n = redis.call('INCRBY', KEYS[1], ARGV[1])
            if redis.call('PTTL', KEYS[1]) < 0 then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
            end
            return n
            """);

    private final RedisStore store;

    RedisCounters(RedisStore store) {
        this.store = store;
    }

    @Override
    public CompletionStage<Long> add(String key, long delta, Duration window) {
        long millis = Math.max(1, window.toMillis());
        CompletionStage<Long> stage = store.eval(
                ADD,
                ScriptOutputType.INTEGER,
                new String[] {counterKey(key)},
                Long.toString(delta),
                Long.toString(millis));
        return counted(stage);
    }

    @Override
    public CompletionStage<Long> get(String key) {
        return counted(store.call(c -> c.get(counterKey(key))).thenApply(v -> v == null ? 0L : Long.parseLong(v)));
    }

    private CompletionStage<Long> counted(CompletionStage<Long> stage) {
        return stage.whenComplete((v, e) -> {
            if (e != null) {
                store.degraded("counters");
            }
        });
    }

    private String counterKey(String key) {
        return store.key("counter:" + key);
    }
}
