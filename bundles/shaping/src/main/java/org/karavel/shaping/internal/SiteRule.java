package org.karavel.shaping.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.SiteLimits;

/**
 * One shaping rule ({@code etc/org.karavel.shaping-NAME.cfg}): the domains and MX host suffixes it
 * matches, and the limits of the site it makes of them, named after the rule.
 *
 * @param domains recipient domains, lower case
 * @param mxSuffixes MX host name suffixes, lower case, each starting with a dot
 * @param file where the rule came from, for messages
 */
record SiteRule(String name, Set<String> domains, List<String> mxSuffixes, SiteLimits limits, String file) {
    /** The rule whose limits apply to every site no other rule matches. */
    static final String DEFAULT = "default";

    static final Set<String> KEYS = Set.of(
            "domains",
            "mx_suffixes",
            "max_connections",
            "max_message_rate",
            "max_connection_rate",
            "max_deliveries_per_connection",
            "connect_timeout",
            "idle_timeout",
            "tls",
            "burst");
    private static final Set<String> TLS_MODES =
            Set.of("Opportunistic", "OpportunisticInsecure", "Required", "RequiredInsecure", "Disabled");

    /** A key of a rule file with a value that cannot be used: the whole rule is left out. */
    static final class BadRule extends Exception {
        private static final long serialVersionUID = 1L;
        final String key;

        BadRule(String key, String message) {
            super(message, null, false, false);
            this.key = key;
        }
    }

    boolean isDefault() {
        return DEFAULT.equals(name);
    }

    /**
     * Reads a rule from its configuration properties (strings, as in a .cfg file, or typed values).
     *
     * @throws BadRule naming the key and what is wrong with its value
     */
    static SiteRule parse(String name, Map<String, ?> p, String file) throws BadRule {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
            throw new BadRule("name", "a rule name is letters, digits, '.', '_' or '-': \"" + name + "\"");
        }
        Set<String> domains = new LinkedHashSet<>();
        for (String d : list(p.get("domains"))) {
            domains.add(d.toLowerCase(Locale.ROOT));
        }
        List<String> suffixes = new ArrayList<>();
        for (String s : list(p.get("mx_suffixes"))) {
            String lower = s.toLowerCase(Locale.ROOT);
            suffixes.add(lower.startsWith(".") ? lower : "." + lower);
        }
        if (domains.isEmpty() && suffixes.isEmpty() && !DEFAULT.equals(name)) {
            throw new BadRule("domains", "the rule matches nothing: give domains or mx_suffixes");
        }
        SiteLimits limits = new SiteLimits(
                name,
                count(p, "max_connections", 0),
                rate(p, "max_message_rate"),
                rate(p, "max_connection_rate"),
                Math.max(1, count(p, "burst", 1)),
                count(p, "max_deliveries_per_connection", 0),
                duration(p, "connect_timeout"),
                duration(p, "idle_timeout"),
                tls(p),
                null);
        if (p.get("burst") != null && count(p, "burst", 1) < 1) {
            throw new BadRule("burst", "burst is at least 1");
        }
        return new SiteRule(name, Set.copyOf(domains), List.copyOf(suffixes), limits, file);
    }

    private static String text(Map<String, ?> p, String key) {
        Object v = p.get(key);
        if (v == null) {
            return null;
        }
        String s = v instanceof String[] a ? String.join(",", a) : v.toString();
        return s.isBlank() ? null : s.strip();
    }

    private static List<String> list(Object v) {
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        String s = v instanceof String[] a ? String.join(",", a) : v.toString();
        for (String part : s.split("[,\\s]+")) {
            if (!part.isBlank()) {
                out.add(part.strip());
            }
        }
        return out;
    }

    private static int count(Map<String, ?> p, String key, int absent) throws BadRule {
        String s = text(p, key);
        if (s == null) {
            return absent;
        }
        try {
            int n = Integer.parseInt(s);
            if (n < 0) {
                throw new BadRule(key, "must not be negative: " + s);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadRule(key, "not a whole number: \"" + s + "\"");
        }
    }

    private static Rate rate(Map<String, ?> p, String key) throws BadRule {
        String s = text(p, key);
        try {
            return s == null ? null : Rate.parse(s);
        } catch (IllegalArgumentException e) {
            throw new BadRule(key, e.getMessage());
        }
    }

    private static Duration duration(Map<String, ?> p, String key) throws BadRule {
        String s = text(p, key);
        try {
            return s == null ? null : ShapingDurations.parse(s);
        } catch (IllegalArgumentException e) {
            throw new BadRule(key, e.getMessage());
        }
    }

    private static String tls(Map<String, ?> p) throws BadRule {
        String s = text(p, "tls");
        if (s == null) {
            return "";
        }
        // any case (required, Required): kept as the mode's own name, which delivery and the shell show
        for (String mode : TLS_MODES) {
            if (mode.equalsIgnoreCase(s.strip())) {
                return mode;
            }
        }
        throw new BadRule("tls", "\"" + s + "\" is not one of " + String.join(", ", new TreeSet<>(TLS_MODES)));
    }
}
