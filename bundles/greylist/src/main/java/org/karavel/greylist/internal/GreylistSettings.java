package org.karavel.greylist.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.karavel.api.config.ListProperty;
import org.karavel.api.net.CidrBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checked configuration of the greylist. Bad list entries are logged and left out; numbers out
 * of range are brought back into range with a warning, so a typo never stops mail.
 *
 * @param passRecipients lower-case addresses (with {@code @}) and domains (without)
 */
record GreylistSettings(
        boolean enabled,
        Set<String> listeners,
        Duration delay,
        Duration retryWindow,
        Duration maxAge,
        int autoWhitelistClients,
        int ipv4Prefix,
        int ipv6Prefix,
        List<CidrBlock> passClients,
        Set<String> passSenderDomains,
        Set<String> passRecipients,
        Path storeDirectory,
        Duration cleanupInterval) {

    private static final Logger LOG = LoggerFactory.getLogger(GreylistSettings.class);

    GreylistSettings {
        listeners = Set.copyOf(listeners);
        passClients = List.copyOf(passClients);
        passSenderDomains = Set.copyOf(passSenderDomains);
        passRecipients = Set.copyOf(passRecipients);
    }

    /** postgrey's defaults, the mx listener, loopback passes, the store in {@code directory}. */
    static GreylistSettings defaults(Path directory) {
        return new GreylistSettings(
                true,
                Set.of("mx"),
                Duration.ofSeconds(300),
                Duration.ofDays(2),
                Duration.ofDays(35),
                5,
                24,
                64,
                List.of(CidrBlock.parse("127.0.0.0/8"), CidrBlock.parse("::1")),
                Set.of(),
                Set.of(),
                directory,
                Duration.ofHours(1));
    }

    static GreylistSettings from(GreylistConfig c) {
        return new GreylistSettings(
                c.enabled(),
                words(c.listeners(), false),
                Duration.ofSeconds(atLeast(c.delay__seconds(), 0, "delay_seconds")),
                Duration.ofSeconds(atLeast(c.retry__window__seconds(), 0, "retry_window_seconds")),
                Duration.ofDays(atLeast(c.max__age__days(), 1, "max_age_days")),
                (int) atLeast(c.auto__whitelist__clients(), 0, "auto_whitelist_clients"),
                prefix(c.ipv4__prefix(), 32, 24, "ipv4_prefix"),
                prefix(c.ipv6__prefix(), 128, 64, "ipv6_prefix"),
                networks(c.pass__clients()),
                words(c.pass__sender__domains(), true),
                words(c.pass__recipients(), true),
                storeDirectory(c.store__directory(), System.getProperty("karaf.data")),
                Duration.ofMinutes(atLeast(c.cleanup__interval__minutes(), 1, "cleanup_interval_minutes")));
    }

    GreylistSettings withDelays(Duration newDelay, Duration newRetryWindow, Duration newMaxAge, int newAutoWhitelist) {
        return new GreylistSettings(
                enabled,
                listeners,
                newDelay,
                newRetryWindow,
                newMaxAge,
                newAutoWhitelist,
                ipv4Prefix,
                ipv6Prefix,
                passClients,
                passSenderDomains,
                passRecipients,
                storeDirectory,
                cleanupInterval);
    }

    GreylistSettings withPassLists(List<CidrBlock> clients, Set<String> senderDomains, Set<String> recipients) {
        return new GreylistSettings(
                enabled,
                listeners,
                delay,
                retryWindow,
                maxAge,
                autoWhitelistClients,
                ipv4Prefix,
                ipv6Prefix,
                clients,
                senderDomains,
                recipients,
                storeDirectory,
                cleanupInterval);
    }

    /**
     * The store directory: empty means {@code <karaf.data>/greylist}, or {@code data/greylist} when
     * karaf.data is unset; a literal {@code ${karaf.data}} is replaced too.
     */
    static Path storeDirectory(String configured, String karafData) {
        String data = karafData == null || karafData.isBlank() ? "data" : karafData;
        String t = configured == null ? "" : configured.strip();
        if (t.isEmpty()) {
            return Path.of(data, "greylist");
        }
        return Path.of(t.replace("${karaf.data}", data));
    }

    private static long atLeast(long value, long min, String key) {
        if (value < min) {
            LOG.warn("greylist: {}={} is below {}; using {}", key, value, min, min);
            return min;
        }
        return value;
    }

    private static int prefix(int value, int max, int fallback, String key) {
        if (value < 0 || value > max) {
            LOG.warn("greylist: {}={} is not a prefix length from 0 to {}; using {}", key, value, max, fallback);
            return fallback;
        }
        return value;
    }

    /** Comma/space separated entries, lower case; a trailing dot of a domain is dropped. */
    private static Set<String> words(String[] entries, boolean trimDots) {
        Set<String> out = new LinkedHashSet<>();
        for (String part : ListProperty.entries(entries)) {
            String w = part.toLowerCase(Locale.ROOT);
            while (trimDots && w.endsWith(".")) {
                w = w.substring(0, w.length() - 1);
            }
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    private static List<CidrBlock> networks(String[] entries) {
        List<CidrBlock> blocks = new ArrayList<>();
        for (String w : words(entries, false)) {
            try {
                blocks.add(CidrBlock.parse(w));
            } catch (IllegalArgumentException ex) {
                LOG.warn("greylist: pass_clients entry '{}' left out: {}", w, ex.getMessage());
            }
        }
        return blocks;
    }
}
