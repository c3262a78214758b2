package org.karavel.greylist.internal;

import java.net.InetAddress;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.karavel.api.fleet.SharedGreylist;
import org.karavel.api.fleet.SharedGreylist.Sighting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Greylisting decided by the fleet's {@link SharedGreylist} (Redis) when one is published, with the
 * embedded database's settings. It fails open: a call that fails or takes longer than
 * {@link #TIMEOUT_MILLIS} lets the mail through, counted, with one WARN until a call succeeds again
 * (one INFO then). Operator-allowed networks are checked here first, from the local list.
 */
final class SharedDecisions {
    private static final Logger LOG = LoggerFactory.getLogger(SharedDecisions.class);
    /** Beyond the store's own command timeout (200 ms by default): a guard against a lost answer. */
    static final long TIMEOUT_MILLIS = 1000;

    private final Supplier<SharedGreylist> shared;
    private final GreylistCounters counters;
    private final Clock clock;
    private final AtomicBoolean failing = new AtomicBoolean();

    SharedDecisions(Supplier<SharedGreylist> shared, GreylistCounters counters, Clock clock) {
        this.shared = shared;
        this.counters = counters;
        this.clock = clock;
    }

    /** The shared greylist, or null while none is published (the embedded one decides). */
    SharedGreylist current() {
        return shared.get();
    }

    CompletionStage<Decision> check(
            SharedGreylist greylist,
            GreylistDatabase database,
            GreylistSettings s,
            InetAddress client,
            Triplet triplet) {
        if (database.allowedNetwork(client)) {
            return CompletableFuture.completedFuture(Decision.pass(PassReason.WHITELIST));
        }
        Sighting sighting = new Sighting(
                triplet.key(),
                triplet.clientNetwork(),
                clock.instant(),
                s.delay(),
                s.retryWindow(),
                s.maxAge(),
                s.autoWhitelistClients());
        CompletionStage<SharedGreylist.Verdict> asked;
        try {
            asked = greylist.decide(sighting);
        } catch (RuntimeException e) {
            asked = CompletableFuture.failedFuture(e);
        }
        return asked.toCompletableFuture()
                .orTimeout(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .handle((v, e) -> e != null ? failOpen(e) : decision(v));
    }

    private Decision decision(SharedGreylist.Verdict v) {
        if (failing.compareAndSet(true, false)) {
            LOG.info("greylist: the shared greylist answers again");
        }
        if (!v.pass()) {
            return Decision.defer(Math.max(1, v.retryAfterSeconds()));
        }
        return Decision.pass(
                "auto".equals(v.reason()) || "whitelist".equals(v.reason()) ? PassReason.WHITELIST : PassReason.RETRY);
    }

    private Decision failOpen(Throwable e) {
        counters.failedOpen();
        if (failing.compareAndSet(false, true)) {
            LOG.warn(
                    "greylist: the shared greylist does not answer ({}); mail passes ungreylisted until it does",
                    e.toString());
        }
        return Decision.pass(PassReason.FAIL_OPEN);
    }
}
