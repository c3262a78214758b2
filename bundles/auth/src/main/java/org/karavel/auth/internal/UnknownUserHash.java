package org.karavel.auth.internal;

import java.security.SecureRandom;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hash verified for a user name that is not in the passwd-file, so that the answer time does
 * not tell who exists: one with the cost of the costliest hash in the file. Users imported with
 * bcrypt or argon2 beside SHA512-CRYPT ones would otherwise be told apart from unknown names by a
 * slower "wrong password". The costs differ in kind (rounds, bcrypt cost, argon2 memory), so each
 * cost found in the file is timed once (the fastest of three verifications of a hash made with it)
 * and the slowest one is taken. Without users, the default scheme's cost.
 */
final class UnknownUserHash {
    private static final Logger LOG = LoggerFactory.getLogger(UnknownUserHash.class);
    private static final int TIMINGS = 3;

    /** A hash of a random password with one cost, and how long it takes to verify. */
    private record Timed(PasswdEntry entry, long nanos) {}

    private final PasswordScheme defaultScheme;
    private final char[] password;
    /** Cost to timed hash, kept across reloads: a cost is timed once. */
    private final Map<String, Timed> byCost = new HashMap<>();

    private volatile PasswdEntry current;
    private String currentCost = "";

    UnknownUserHash(PasswordScheme defaultScheme) {
        this.defaultScheme = defaultScheme;
        this.password = Long.toString(new SecureRandom().nextLong(), 36).toCharArray();
        this.current = new PasswdEntry("", defaultScheme, defaultScheme.hash(password));
    }

    /** The hash for unknown names now. */
    PasswdEntry entry() {
        return current;
    }

    /** Chooses the hash again for the users of a file just read (slow the first time a cost is seen: call it off the I/O threads). */
    synchronized PasswdEntry update(Collection<PasswdEntry> users) {
        Map<String, PasswdEntry> costs = new LinkedHashMap<>();
        for (PasswdEntry u : users) {
            try {
                costs.putIfAbsent(u.scheme().name() + " " + u.scheme().cost(u.hash()), u);
            } catch (RuntimeException e) {
                // a hash the parser let through but whose cost cannot be read: it verifies as no match anyway
            }
        }
        if (costs.isEmpty()) {
            current = new PasswdEntry("", defaultScheme, defaultScheme.hash(password));
            currentCost = "";
            return current;
        }
        String slowest = null;
        Timed best = null;
        for (Map.Entry<String, PasswdEntry> e : costs.entrySet()) {
            Timed t = byCost.computeIfAbsent(e.getKey(), k -> time(e.getValue()));
            if (best == null || t.nanos() > best.nanos()) {
                best = t;
                slowest = e.getKey();
            }
        }
        byCost.keySet().retainAll(costs.keySet());
        if (!slowest.equals(currentCost)) {
            LOG.info(
                    "unknown user names are checked against a hash of the costliest kind in the file: {} ({} ms)",
                    slowest,
                    best.nanos() / 1_000_000);
        }
        current = best.entry();
        currentCost = slowest;
        return current;
    }

    private Timed time(PasswdEntry model) {
        PasswordScheme scheme = model.scheme();
        PasswdEntry dummy = new PasswdEntry("", scheme, scheme.hashLike(model.hash(), password));
        char[] wrong = "not the password".toCharArray();
        long fastest = Long.MAX_VALUE;
        for (int i = 0; i < TIMINGS; i++) {
            long start = System.nanoTime();
            scheme.verify(dummy.hash(), wrong);
            fastest = Math.min(fastest, System.nanoTime() - start);
        }
        return new Timed(dummy, fastest);
    }
}
