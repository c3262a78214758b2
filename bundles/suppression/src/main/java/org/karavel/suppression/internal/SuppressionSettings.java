package org.karavel.suppression.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import org.karavel.api.config.ListProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checked configuration. Bad entries are logged (ERROR, naming the file's key) and left out;
 * numbers out of range are repaired, so a typo never stops mail.
 *
 * @param expiry how long a bounce's entry counts; {@link Duration#ZERO} for never
 * @param users lower case
 */
record SuppressionSettings(
        boolean enabled,
        Set<String> categories,
        Duration expiry,
        Set<String> listeners,
        Set<String> users,
        Path storeDirectory,
        Duration purgeInterval) {

    private static final Logger LOG = LoggerFactory.getLogger(SuppressionSettings.class);
    private static final String FILE = "org.karavel.suppression.cfg";

    SuppressionSettings {
        categories = Set.copyOf(categories);
        listeners = Set.copyOf(listeners);
        users = Set.copyOf(users);
    }

    static SuppressionSettings defaults(Path directory) {
        return new SuppressionSettings(
                true,
                Set.of("invalid_recipient", "bad_domain"),
                Duration.ofDays(365),
                Set.of("mx"),
                Set.of(),
                directory,
                Duration.ofHours(1));
    }

    static SuppressionSettings from(SuppressionConfig c) {
        long days = c.expiry__days();
        if (days < 0) {
            LOG.error("{}: expiry_days={} is negative; using 0 (entries never expire)", FILE, days);
            days = 0;
        }
        long purge = c.purge__interval__minutes();
        if (purge < 1) {
            LOG.error("{}: purge_interval_minutes={} is below 1; using 1", FILE, purge);
            purge = 1;
        }
        return new SuppressionSettings(
                c.enabled(),
                categories(c.categories()),
                Duration.ofDays(days),
                words(c.applies__to__listeners()),
                words(c.applies__to__users()),
                storeDirectory(c.store__directory(), System.getProperty("karaf.data")),
                Duration.ofMinutes(purge));
    }

    /** Empty means {@code <karaf.data>/suppression} ({@code data/suppression} without karaf.data). */
    static Path storeDirectory(String configured, String karafData) {
        String data = karafData == null || karafData.isBlank() ? "data" : karafData;
        String t = configured == null ? "" : configured.strip();
        if (t.isEmpty()) {
            return Path.of(data, "suppression");
        }
        return Path.of(t.replace("${karaf.data}", data));
    }

    private static Set<String> categories(String[] entries) {
        Set<String> out = new LinkedHashSet<>();
        for (String w : words(entries)) {
            if (w.matches("[a-z0-9_]{1,64}")) {
                out.add(w);
            } else {
                LOG.error("{}: categories entry '{}' left out: a category is a word of a-z, 0-9 and _", FILE, w);
            }
        }
        return out;
    }

    private static Set<String> words(String[] entries) {
        Set<String> out = new LinkedHashSet<>();
        for (String part : ListProperty.entries(entries)) {
            String w = part.strip().toLowerCase(Locale.ROOT);
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    /** For the log line at start and after a change. */
    String describe() {
        return String.format(
                Locale.ROOT,
                "%s, categories=%s expiry=%s applies_to_listeners=%s applies_to_users=%s",
                enabled ? "on" : "off",
                categories,
                expiry.isZero() ? "never" : expiry.toDays() + "d",
                listeners,
                users);
    }
}
