package org.karavel.delivery.internal;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.karavel.api.queue.Envelope;

/**
 * Source addresses that share a kind of mail, with weights (KumoMTA's egress_pool; Postfix's
 * sender_dependent_default_transport_maps choosing a transport with its own smtp_bind_address), and
 * the rules that send a message through it: its sender domain, its authenticated user, the listener
 * it came in on. A message can also name its pool in the X-Karavel-Pool header.
 *
 * @param name the pool's name (what X-Karavel-Pool names)
 * @param members the sources by name, with their weights
 */
record SendingPool(
        String name, List<Member> members, Set<String> senderDomains, Set<String> users, Set<String> listeners) {
    /** The pool of mail that no rule sends elsewhere, when there is one by this name. */
    static final String DEFAULT = "default";

    /** A source of the pool and its share: weight / the sum of the weights of the usable sources. */
    record Member(String source, int weight) {
        Member {
            Objects.requireNonNull(source, "source");
            if (weight < 1) {
                throw new IllegalArgumentException("weight must be at least 1: " + source + ":" + weight);
            }
        }
    }

    SendingPool {
        name = name.strip().toLowerCase(Locale.ROOT);
        members = List.copyOf(members);
        senderDomains = lower(senderDomains);
        users = lower(users);
        listeners = Set.copyOf(listeners);
    }

    private static Set<String> lower(Set<String> s) {
        return s.stream().map(v -> v.strip().toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    /** Parses {@code name:weight, name} (weight 1 when not given). */
    static List<Member> parseMembers(List<String> entries) {
        return entries.stream()
                .map(e -> {
                    int colon = e.lastIndexOf(':');
                    // an IPv6 address as a source's name has colons too: only a number after the last is a weight
                    if (colon > 0 && e.substring(colon + 1).strip().matches("\\d+")) {
                        return new Member(
                                e.substring(0, colon).strip(),
                                Integer.parseInt(e.substring(colon + 1).strip()));
                    }
                    return new Member(e.strip(), 1);
                })
                .toList();
    }

    boolean matchesUser(Envelope e) {
        return !e.authenticatedUser().isEmpty()
                && users.contains(e.authenticatedUser().toLowerCase(Locale.ROOT));
    }

    boolean matchesSenderDomain(Envelope e) {
        return !e.sender().isNullSender() && senderDomains.contains(e.sender().domainKey());
    }

    boolean matchesListener(Envelope e) {
        return listeners.contains(e.listenerName());
    }
}
