package org.karavel.shaping.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.karavel.api.shaping.SiteLimits;

/**
 * The rules in force, indexed for matching: a domain a rule lists is matched first, then the MX
 * suffixes, longest (most specific) first, tried on the MX hosts in preference order. Immutable: a
 * rule change builds a new one.
 */
final class SiteRules {
    static final SiteRules NONE = new SiteRules(List.of());

    private final Map<String, SiteRule> byName = new HashMap<>();
    private final Map<String, SiteRule> byDomain = new HashMap<>();
    /** (suffix, rule), longest suffix first. */
    private final List<Map.Entry<String, SiteRule>> bySuffix = new ArrayList<>();

    private final SiteRule fallback;

    SiteRules(List<SiteRule> rules) {
        List<SiteRule> sorted = new ArrayList<>(rules);
        // a name or domain claimed twice goes to the rule whose name sorts first, whatever the load order
        sorted.sort(Comparator.comparing(SiteRule::name));
        SiteRule def = null;
        for (SiteRule r : sorted) {
            byName.putIfAbsent(r.name(), r);
            if (r.isDefault()) {
                def = r;
            }
            for (String d : r.domains()) {
                byDomain.putIfAbsent(d, r);
            }
            for (String s : r.mxSuffixes()) {
                bySuffix.add(Map.entry(s, r));
            }
        }
        bySuffix.sort(Comparator.comparing(
                        (Map.Entry<String, SiteRule> e) -> e.getKey().length())
                .reversed());
        this.fallback = def;
    }

    /** The site: a listed domain's rule, else the longest MX suffix matching an MX host, else the domain. */
    String siteOf(String domain, List<String> mxHosts) {
        SiteRule r = byDomain.get(domain);
        if (r != null) {
            return r.name();
        }
        for (Map.Entry<String, SiteRule> e : bySuffix) {
            for (String host : mxHosts) {
                String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
                if (h.regionMatches(
                                true,
                                h.length() - e.getKey().length(),
                                e.getKey(),
                                0,
                                e.getKey().length())
                        || h.equalsIgnoreCase(e.getKey().substring(1))) {
                    return e.getValue().name();
                }
            }
        }
        return domain;
    }

    /** The configured limits of a site: its rule's, else the default rule's under the site's name, else none. */
    SiteLimits limits(String site) {
        SiteRule r = byName.get(site);
        if (r != null) {
            return r.limits();
        }
        return fallback == null ? SiteLimits.unlimited(site) : fallback.limits().named(site);
    }

    List<SiteLimits> all() {
        return byName.values().stream()
                .map(SiteRule::limits)
                .sorted(Comparator.comparing(SiteLimits::site))
                .toList();
    }
}
