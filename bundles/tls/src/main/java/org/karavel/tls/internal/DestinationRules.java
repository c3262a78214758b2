package org.karavel.tls.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.karavel.api.tls.TlsMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code outbound_policies} rules: {@code example.com=Required} for that domain exactly,
 * {@code .example.com=Disabled} for every domain below it (not the domain itself, as Postfix's
 * policy maps read a leading dot). An exact rule wins over suffixes; the longest suffix wins.
 */
final class DestinationRules {
    private static final Logger LOG = LoggerFactory.getLogger(DestinationRules.class);

    private record Suffix(String suffix, TlsMode mode) {}

    private final Map<String, TlsMode> exact = new HashMap<>();
    private final List<Suffix> suffixes = new ArrayList<>();

    /** Rules from configuration entries; each entry may itself be a comma/space-separated list. Bad entries are logged and skipped. */
    DestinationRules(String[] entries) {
        for (String entry : TlsParameters.split(entries)) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                LOG.warn("outbound_policies entry '{}' ignored: expected domain=Mode or .suffix=Mode", entry);
                continue;
            }
            String name = StsPolicy.stripDot(entry.substring(0, eq).trim().toLowerCase(Locale.ROOT));
            TlsMode mode;
            try {
                mode = TlsMode.parse(entry.substring(eq + 1));
            } catch (IllegalArgumentException e) {
                LOG.warn("outbound_policies entry '{}' ignored: {}", entry, e.getMessage());
                continue;
            }
            if (name.startsWith(".") && name.length() > 1) {
                suffixes.add(new Suffix(name, mode));
            } else if (!name.startsWith(".")) {
                exact.put(name, mode);
            }
        }
        suffixes.sort(Comparator.comparingInt((Suffix s) -> s.suffix().length()).reversed());
    }

    /** The configured mode for a domain, if a rule covers it. */
    Optional<TlsMode> modeFor(String domain) {
        String name = StsPolicy.stripDot(domain.toLowerCase(Locale.ROOT));
        TlsMode mode = exact.get(name);
        if (mode != null) {
            return Optional.of(mode);
        }
        for (Suffix suffix : suffixes) {
            if (name.endsWith(suffix.suffix())) {
                return Optional.of(suffix.mode());
            }
        }
        return Optional.empty();
    }
}
