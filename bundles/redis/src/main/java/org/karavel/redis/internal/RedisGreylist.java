package org.karavel.redis.internal;

import io.lettuce.core.ScriptOutputType;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.karavel.api.fleet.SharedGreylist;

/**
 * The greylist decided in Redis: postgrey's algorithm as the embedded {@code GreylistPolicy} runs
 * it, in one Lua script per sighting (triplet hash and client-network hash read, decided and
 * written atomically, so two nodes seeing the same triplet at once agree). Each record carries an
 * expiry, so Redis drops what the embedded clean-up would remove.
 */
final class RedisGreylist implements SharedGreylist {
    private static final char SEPARATOR = '\0';
    /** A pass counts towards auto-whitelisting at most once per hour, as postgrey's. */
    private static final long COUNT_INTERVAL_MILLIS = 3_600_000;
    /** An allowed triplet counts as first seen this long ago (past any sane delay). */
    private static final long ALLOWED_AS_WAITED_MILLIS = 86_400_000L;
    /** And is kept as long as postgrey's default max-age (35 days) unless seen again. */
    private static final long ALLOWED_TRIPLET_TTL_MILLIS = 35L * 86_400_000L;

    private static final LuaScript DECIDE = LuaScript.of("greylist-decide", """
            local now = tonumber(ARGV[1])
            local delay = tonumber(ARGV[2])
            local window = tonumber(ARGV[3])
            local maxAge = tonumber(ARGV[4])
            local awl = tonumber(ARGV[5])
            local every = tonumber(ARGV[6])
            local function s(n) return string.format('%d', n) end
            local c = redis.call('HMGET', KEYS[2], 'passes', 'last_counted', 'last_seen', 'allowed')
            local allowed = c[4] == '1'
            local client = c[3] ~= false and (allowed or now - tonumber(c[3]) <= maxAge)
            local function countPass()
              if awl <= 0 then return end
              local passes = client and tonumber(c[1]) or 0
              local counted = client and tonumber(c[2]) or 0
              if not client or now >= counted + every or counted > now then
                passes = passes + 1
                counted = now
              end
              redis.call('HSET', KEYS[2], 'passes', s(passes), 'last_counted', s(counted),
                'last_seen', s(now), 'allowed', allowed and '1' or '0')
              if allowed then redis.call('PERSIST', KEYS[2]) else redis.call('PEXPIRE', KEYS[2], s(maxAge)) end
            end
            if allowed then
              return {1, 'whitelist', 0}
            end
            if awl > 0 and client and tonumber(c[1]) >= awl then
              countPass()
              return {1, 'auto', 0}
            end
            local t = redis.call('HMGET', KEYS[1], 'first_seen', 'last_seen', 'passed')
            local known = t[1] ~= false
            local passed = known and t[3] == '1'
            if known and now - tonumber(t[2]) > maxAge then known = false end
            if known and not passed and now - tonumber(t[1]) > window then known = false end
            local first = now
            if known then first = math.min(tonumber(t[1]), now) else passed = false end
            local waited = now - first
            if not passed and waited < delay then
              redis.call('HSET', KEYS[1], 'first_seen', s(first), 'last_seen', s(now), 'passed', '0')
              redis.call('PEXPIRE', KEYS[1], s(math.max(1, math.min(maxAge, first + window - now + 1))))
              local left = math.max(1, math.ceil((delay - waited) / 1000))
              return {0, known and 'early' or 'new', left}
            end
            redis.call('HSET', KEYS[1], 'first_seen', s(first), 'last_seen', s(now), 'passed', '1')
            redis.call('PEXPIRE', KEYS[1], s(maxAge))
            countPass()
            return {1, passed and 'passed' or 'retry', 0}
            """);

    private static final LuaScript ALLOW = LuaScript.of("greylist-allow", """
            local now = tonumber(ARGV[1])
            if ARGV[2] == 'network' then
              redis.call('HSET', KEYS[1], 'allowed', '1', 'last_seen', ARGV[1])
              redis.call('HSETNX', KEYS[1], 'passes', '0')
              redis.call('HSETNX', KEYS[1], 'last_counted', '0')
              redis.call('PERSIST', KEYS[1])
            else
              redis.call('HSET', KEYS[1], 'first_seen', string.format('%d', now - tonumber(ARGV[3])),
                'last_seen', ARGV[1], 'passed', '1')
              redis.call('PEXPIRE', KEYS[1], ARGV[4])
            end
            return 1
            """);

    private final RedisStore store;

    RedisGreylist(RedisStore store) {
        this.store = store;
    }

    @Override
    public CompletionStage<Verdict> decide(Sighting s) {
        CompletionStage<List<Object>> reply = store.eval(
                DECIDE,
                ScriptOutputType.MULTI,
                new String[] {tripletKey(s.triplet()), clientKey(s.clientNetwork())},
                Long.toString(s.now().toEpochMilli()),
                Long.toString(s.delay().toMillis()),
                Long.toString(s.retryWindow().toMillis()),
                Long.toString(s.passedTtl().toMillis()),
                Integer.toString(s.autoWhitelistAfter()),
                Long.toString(COUNT_INTERVAL_MILLIS));
        return reply.handle((r, e) -> {
            if (e != null) {
                store.degraded("greylist");
                throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
            }
            return new Verdict(
                    ((Number) r.get(0)).longValue() == 1, String.valueOf(r.get(1)), ((Number) r.get(2)).longValue());
        });
    }

    /**
     * Lets a triplet pass from now on (as if retried after {@code delay}: the greylist bundle passes
     * its own parts), or a whole client network when sender and recipient are null.
     */
    @Override
    public CompletionStage<Void> allow(String clientNetwork, String sender, String recipient) {
        String now = Long.toString(System.currentTimeMillis());
        CompletionStage<Long> done;
        if (sender == null && recipient == null) {
            done = store.eval(ALLOW, ScriptOutputType.INTEGER, new String[] {clientKey(clientNetwork)}, now, "network");
        } else {
            String triplet = clientNetwork + SEPARATOR + sender + SEPARATOR + recipient;
            done = store.eval(
                    ALLOW,
                    ScriptOutputType.INTEGER,
                    new String[] {tripletKey(triplet)},
                    now,
                    "triplet",
                    Long.toString(ALLOWED_AS_WAITED_MILLIS),
                    Long.toString(ALLOWED_TRIPLET_TTL_MILLIS));
        }
        return done.thenApply(n -> null);
    }

    private String tripletKey(String triplet) {
        return store.key("greylist:triplet:" + triplet);
    }

    private String clientKey(String network) {
        return store.key("greylist:client:" + network);
    }
}
