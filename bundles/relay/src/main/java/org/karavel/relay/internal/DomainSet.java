package org.karavel.relay.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.karavel.api.address.DomainName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A set of domain names compared the way DNS compares them: case-insensitive, a trailing dot
 * ignored, an internationalized name equal to its ASCII (A-label) form. With subdomain patterns on,
 * an entry {@code .example.com} matches every name below example.com (not example.com itself).
 */
final class DomainSet {
    private static final Logger LOG = LoggerFactory.getLogger(DomainSet.class);
    private final Set<String> names;
    private final List<String> parentSuffixes;

    DomainSet(Collection<String> entries, boolean subdomainPatterns) {
        Set<String> exact = new LinkedHashSet<>();
        List<String> suffixes = new ArrayList<>();
        for (String entry : entries) {
            if (entry == null || entry.isBlank()) {
                continue;
            }
            String e = entry.trim();
            if (subdomainPatterns && e.startsWith(".") && e.length() > 1) {
                String parent = canonical(e.substring(1));
                if (parent != null) {
                    suffixes.add("." + parent);
                } else {
                    LOG.error("ignoring '{}': not a domain name", entry);
                }
                continue;
            }
            String name = canonical(e);
            if (name == null) {
                // left out rather than failing the whole policy: without a policy nothing would be refused
                LOG.error("ignoring '{}': not a domain name", entry);
                continue;
            }
            exact.add(name);
        }
        this.names = Set.copyOf(exact);
        this.parentSuffixes = List.copyOf(suffixes);
    }

    boolean contains(String domain) {
        if (domain == null) {
            return false;
        }
        String d = canonical(domain);
        if (d == null) {
            return false;
        }
        if (names.contains(d)) {
            return true;
        }
        for (String suffix : parentSuffixes) {
            if (d.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    /** The exact names, lower case, in ASCII form. */
    Set<String> names() {
        return names;
    }

    List<String> patterns() {
        return parentSuffixes;
    }

    /**
     * The comparable form of a domain: trimmed, without one trailing dot, in ASCII and lower case;
     * null for what cannot be a domain name (empty, address literals, bad IDN labels).
     */
    static String canonical(String domain) {
        String d = domain.trim();
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (d.isEmpty() || d.startsWith("[") || d.startsWith(".") || d.contains("..")) {
            return null;
        }
        try {
            return DomainName.toAscii(d);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
