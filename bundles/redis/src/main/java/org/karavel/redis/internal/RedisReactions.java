package org.karavel.redis.internal;

import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.SharedReactions;

/**
 * The fleet's reactions in one hash, {@code reactions}: a field per node, site and kind, so nodes
 * never overwrite each other and a reader merges them as it merges its own. Each value carries its
 * end; readers leave ended fields out, the next publication drops them, and the hash expires a
 * minute after the last end written.
 */
final class RedisReactions implements SharedReactions {
    private static final String SEPARATOR = "\t";
    // ended fields (a value starts with its end, ms) are dropped here, atomically with the write: a
    // reader dropping them could delete a field its node had just written again
    private static final LuaScript PUBLISH = LuaScript.of("reaction-publish", """
            local all = redis.call('HGETALL', KEYS[1])
            for i = 1, #all, 2 do
              local ends = tonumber(string.match(all[i + 1], '^(%d+)'))
              if ends == nil or ends <= tonumber(ARGV[4]) then
                redis.call('HDEL', KEYS[1], all[i])
              end
            end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then
              redis.call('PEXPIRE', KEYS[1], ARGV[3])
            end
            return 1
            """);
    private static final Duration KEEP_AFTER_END = Duration.ofMinutes(1);

    private final RedisStore store;

    RedisReactions(RedisStore store) {
        this.store = store;
    }

    @Override
    public CompletionStage<Void> publish(ShapingAction action) {
        Instant now = Instant.now();
        if (!action.isActive(now)) {
            return CompletableFuture.completedFuture(null);
        }
        long keep = Math.max(
                1, Duration.between(now, action.until()).plus(KEEP_AFTER_END).toMillis());
        String field = action.kind().word() + " " + action.site() + " "
                + store.settings().nodeName();
        CompletionStage<Long> stage = store.eval(
                PUBLISH,
                ScriptOutputType.INTEGER,
                new String[] {hash()},
                field,
                encode(action),
                Long.toString(keep),
                Long.toString(now.toEpochMilli()));
        return stage.handle((v, e) -> {
            if (e != null) {
                store.degraded("reactions");
                throw new IllegalStateException("the fleet's reactions are unreachable", e);
            }
            return null;
        });
    }

    @Override
    public CompletionStage<List<ShapingAction>> active(Instant now) {
        CompletionStage<Map<String, String>> all = store.call(c -> c.hgetall(hash()));
        return all.handle((fields, e) -> {
            if (e != null) {
                store.degraded("reactions");
                throw new IllegalStateException("the fleet's reactions are unreachable", e);
            }
            List<ShapingAction> out = new ArrayList<>();
            fields.forEach((field, value) -> {
                ShapingAction a = decode(field, value);
                if (a != null && a.isActive(now)) {
                    out.add(a);
                }
            });
            return out;
        });
    }

    private String hash() {
        return store.key("reactions");
    }

    /** {@code until-millis TAB rate TAB connections TAB rule TAB reply}; the reply last, tabs flattened. */
    static String encode(ShapingAction a) {
        return a.until().toEpochMilli()
                + SEPARATOR
                + (a.rate() == null ? "" : a.rate().toString())
                + SEPARATOR
                + a.connections()
                + SEPARATOR
                + flat(a.rule())
                + SEPARATOR
                + flat(a.reply());
    }

    private static String flat(String s) {
        return s == null ? "" : s.replace('\t', ' ').replace('\r', ' ').replace('\n', ' ');
    }

    /** The action a field holds, or null when it is not one this version reads. */
    static ShapingAction decode(String field, String value) {
        String[] key = field.split(" ", 3);
        String[] v = value.split(SEPARATOR, 5);
        if (key.length != 3 || v.length != 5) {
            return null;
        }
        try {
            ShapingAction.Kind kind = ShapingAction.Kind.valueOf(key[0].toUpperCase(Locale.ROOT));
            Rate rate = v[1].isEmpty() ? null : Rate.parse(v[1]);
            return new ShapingAction(
                    key[1],
                    kind,
                    rate,
                    Integer.parseInt(v[2]),
                    Instant.ofEpochMilli(Long.parseLong(v[0])),
                    v[4],
                    v[3].isEmpty() ? null : v[3]);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
