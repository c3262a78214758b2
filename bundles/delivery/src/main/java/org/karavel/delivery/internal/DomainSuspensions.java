package org.karavel.delivery.internal;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Recipient domains an operator has suspended. Kept in memory only: a restart of the delivery bundle
 * (or a configuration change) forgets them, like KumoMTA's suspensions without a duration.
 */
final class DomainSuspensions {
    private final Set<String> domains = ConcurrentHashMap.newKeySet();

    static String key(String domain) {
        return domain.trim().toLowerCase(Locale.ROOT);
    }

    void suspend(String domain) {
        domains.add(key(domain));
    }

    /** False when the domain was not suspended. */
    boolean resume(String domain) {
        return domains.remove(key(domain));
    }

    boolean isSuspended(String domain) {
        return !domains.isEmpty() && domains.contains(key(domain));
    }

    /** Sorted, lower case. */
    Set<String> all() {
        return Set.copyOf(new TreeSet<>(domains));
    }
}
