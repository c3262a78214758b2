package org.karavel.dnsbl.internal;

import java.util.concurrent.atomic.AtomicLong;

/** What the dnsbl filter has seen since start, kept across configuration changes (for metrics later). */
final class DnsblCounters {
    final AtomicLong lookups = new AtomicLong();
    final AtomicLong listed = new AtomicLong();
    /** Error answers (127.255.255.x, 127.0.1.255): public resolver, over quota, wrong key. */
    final AtomicLong errors = new AtomicLong();
    /** SERVFAIL, REFUSED, timeouts: the client passed unchecked. */
    final AtomicLong failures = new AtomicLong();
    /** How many error warnings were actually logged (the rest were held back by the interval). */
    final AtomicLong errorWarnings = new AtomicLong();

    long lookups() {
        return lookups.get();
    }

    long listed() {
        return listed.get();
    }

    long errors() {
        return errors.get();
    }

    long failures() {
        return failures.get();
    }

    long errorWarnings() {
        return errorWarnings.get();
    }

    @Override
    public String toString() {
        return "lookups=" + lookups + " listed=" + listed + " errors=" + errors + " failures=" + failures;
    }
}
