package org.karavel.delivery.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.karavel.api.queue.Envelope;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.RateLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which source address a message leaves from: its pool by rule (the X-Karavel-Pool header of mail
 * that originates here, then the authenticated user, the sender domain, the listener, then the pool
 * named {@code default}), and within the pool a source by weight (smooth weighted round robin, so
 * the shares hold exactly, not only on average), skipping sources that are not on this machine and
 * those over their warm-up limit or max_message_rate (limiter keys {@code warmup:<ip>} and
 * {@code source:<ip>}). Asked by the scheduler thread only.
 */
final class SendingAddresses {
    private static final Logger LOG = LoggerFactory.getLogger(SendingAddresses.class);
    /** Nothing configured: connections leave from the address the system chooses. */
    static final SendingAddresses NONE = new SendingAddresses(List::of, List::of, () -> null, Clock.systemUTC());

    private final Supplier<? extends Collection<SendingSource>> sources;
    private final Supplier<? extends Collection<SendingPool>> pools;
    private final Supplier<RateLimiter> limiter;
    private final Clock clock;
    /** Smooth weighted round robin state: pool → source → current weight. */
    private final Map<String, Map<String, Long>> current = new HashMap<>();

    SendingAddresses(
            Supplier<? extends Collection<SendingSource>> sources,
            Supplier<? extends Collection<SendingPool>> pools,
            Supplier<RateLimiter> limiter,
            Clock clock) {
        this.sources = sources;
        this.pools = pools;
        this.limiter = limiter;
        this.clock = clock;
    }

    /** The outcome of a choice: a source, none (no pool applies: the system's address), or wait until. */
    record Choice(SendingSource source, Instant waitUntil, String pool) {
        static final Choice ANY = new Choice(null, null, "");

        boolean waits() {
            return waitUntil != null;
        }
    }

    /** Whether any pool is configured (only then is the pool header worth reading). */
    boolean hasPools() {
        return !pools.get().isEmpty();
    }

    /** The source of that name, for the connection that leaves from it; null when it is gone. */
    SendingSource source(String name) {
        for (SendingSource s : sources.get()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /**
     * The pool of a message.
     *
     * @param header the value of X-Karavel-Pool (trusted only for mail that originates here), or null
     */
    Optional<SendingPool> poolOf(Envelope e, String header) {
        Collection<SendingPool> all = pools.get();
        if (all.isEmpty()) {
            return Optional.empty();
        }
        List<SendingPool> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparing(SendingPool::name));
        if (header != null && !header.isBlank() && e.origin().originatesHere()) {
            String wanted = header.strip().toLowerCase(Locale.ROOT);
            Optional<SendingPool> named =
                    sorted.stream().filter(p -> p.name().equals(wanted)).findFirst();
            if (named.isPresent()) {
                return named;
            }
            LOG.debug("X-Karavel-Pool names no pool: {}", wanted);
        }
        for (var rule : List.<Predicate<SendingPool>>of(
                p -> p.matchesUser(e), p -> p.matchesSenderDomain(e), p -> p.matchesListener(e))) {
            Optional<SendingPool> p = sorted.stream().filter(rule).findFirst();
            if (p.isPresent()) {
                return p;
            }
        }
        return sorted.stream().filter(p -> p.name().equals(SendingPool.DEFAULT)).findFirst();
    }

    /** The source for one sending of a message: by weight among the pool's usable sources under their limit. */
    Choice choose(Envelope e, String header) {
        Optional<SendingPool> pool = poolOf(e, header);
        if (pool.isEmpty()) {
            return Choice.ANY;
        }
        return choose(pool.get());
    }

    Choice choose(SendingPool pool) {
        Map<String, SendingSource> byName = new HashMap<>();
        for (SendingSource s : sources.get()) {
            byName.put(s.name(), s);
        }
        List<SendingPool.Member> candidates = new ArrayList<>();
        for (SendingPool.Member m : pool.members()) {
            SendingSource s = byName.get(m.source());
            if (s != null && s.usable()) {
                candidates.add(m);
            }
        }
        Instant now = clock.instant();
        Instant earliest = null;
        while (!candidates.isEmpty()) {
            SendingPool.Member m = next(pool.name(), candidates);
            SendingSource s = byName.get(m.source());
            Instant refusedUntil = take(s, now);
            if (refusedUntil == null) {
                return new Choice(s, null, pool.name());
            }
            earliest = earliest == null || refusedUntil.isBefore(earliest) ? refusedUntil : earliest;
            candidates.remove(m);
        }
        // every source is over its limit, or none is usable: the mail waits, it never leaves from another pool
        return new Choice(null, earliest == null ? now.plusSeconds(300) : earliest, pool.name());
    }

    /**
     * Takes one message from the source's budgets: its day's warm-up limit and its max_message_rate.
     * Both are looked at before either is taken, so a refusal by one spends nothing of the other.
     *
     * @return null when taken, else the instant the refusing budget has room again
     */
    private Instant take(SendingSource s, Instant now) {
        Optional<Rate> warm = s.warmup().limitOn(LocalDate.ofInstant(now, clock.getZone()));
        Rate rate = s.maxMessageRate();
        RateLimiter l = limiter.get();
        if (l == null || (warm.isEmpty() && rate == null)) {
            return null;
        }
        Instant until = null;
        if (warm.isPresent() && rate != null) {
            // only with two budgets: a refusal by either must not spend the other
            until = later(until, l.peek(s.warmupKey(), warm.get(), burst(warm.get()), now));
            until = later(until, l.peek(s.limiterKey(), rate, 1, now));
            if (until != null) {
                return until;
            }
        }
        if (warm.isPresent()) {
            until = later(until, l.tryAcquire(s.warmupKey(), warm.get(), burst(warm.get()), now));
        }
        if (rate != null && until == null) {
            until = later(until, l.tryAcquire(s.limiterKey(), rate, 1, now));
        }
        return until;
    }

    private static Instant later(Instant until, RateLimiter.Admission a) {
        if (a.admitted()) {
            return until;
        }
        return until == null || a.retryAt().isAfter(until) ? a.retryAt() : until;
    }

    /** A day's budget may be spent at any time of the day: the whole daily count as the burst. */
    private static int burst(Rate r) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, r.count()));
    }

    /** Smooth weighted round robin (as nginx's upstream): exact shares, interleaved. */
    private SendingPool.Member next(String pool, List<SendingPool.Member> candidates) {
        Map<String, Long> weights = current.computeIfAbsent(pool, k -> new HashMap<>());
        long total = 0;
        SendingPool.Member best = null;
        for (SendingPool.Member m : candidates) {
            long w = weights.merge(m.source(), (long) m.weight(), Long::sum);
            total += m.weight();
            if (best == null || w > weights.get(best.source())) {
                best = m;
            }
        }
        weights.merge(best.source(), -total, Long::sum);
        return best;
    }
}
