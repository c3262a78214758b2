package org.karavel.dnsbl.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.karavel.api.config.ListProperty;
import org.karavel.api.net.CidrBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checked configuration of the dnsbl filter. {@code zenQueryZone}/{@code dblQueryZone} are the
 * zones asked (they hold the DQS key when one is set); {@code zenName}/{@code dblName} are the names
 * shown to clients and in headers, so the key never leaves this server.
 */
record DnsblSettings(
        boolean enabled,
        String zenQueryZone,
        String zenName,
        String dblQueryZone,
        String dblName,
        Action zenAction,
        Action dblAction,
        boolean checkHelo,
        List<CidrBlock> passList,
        CodeRanges zenCodes,
        CodeRanges dblCodes,
        Duration errorWarnInterval) {

    private static final Logger LOG = LoggerFactory.getLogger(DnsblSettings.class);

    /** What a listing does. */
    enum Action {
        REJECT,
        HEADER
    }

    static DnsblSettings from(DnsblConfig c) {
        String key = c.dqs__key() == null ? "" : c.dqs__key().trim();
        boolean enabled = c.enabled();
        if (key.contains("$[")) {
            // Config Admin's interpolation leaves a reference it cannot resolve as it is: asking
            // "$[secret:dqs].zen.dq.spamhaus.net" would be useless, and the public zones not what was meant
            LOG.error(
                    "dnsbl: dqs_key = {} in etc/org.karavel.dnsbl.cfg cannot be resolved: no such file in the secrets "
                            + "directory ({}) or no such environment variable. DNSBL lookups are off until it can",
                    key,
                    secretsDirectories());
            enabled = false;
            key = "";
        }
        String zen = zone(c.zen__zone(), "zen.spamhaus.org");
        String dbl = zone(c.dbl__zone(), "dbl.spamhaus.org");
        return new DnsblSettings(
                enabled,
                key.isEmpty() ? zen : key + ".zen.dq.spamhaus.net",
                zen,
                key.isEmpty() ? dbl : key + ".dbl.dq.spamhaus.net",
                dbl,
                action(c.zen__action(), "zen_action"),
                action(c.dbl__action(), "dbl_action"),
                c.check__helo(),
                passList(c.pass__list()),
                codes(c.zen__codes(), "127.0.0.2-127.0.0.11", "zen_codes"),
                codes(c.dbl__codes(), "127.0.1.2-127.0.1.106", "dbl_codes"),
                Duration.ofSeconds(Math.max(0, c.error__warn__interval__seconds())));
    }

    /** Where Config Admin looks for $[secret:name] files (see etc/custom.properties), for the log line. */
    private static String secretsDirectories() {
        String credentials = System.getProperty("karavel.credentials", "");
        String secrets = System.getProperty("karavel.secrets", "etc/secrets");
        return credentials + secrets;
    }

    private static String zone(String z, String fallback) {
        String t = z == null ? "" : z.trim().toLowerCase(Locale.ROOT);
        while (t.endsWith(".")) {
            t = t.substring(0, t.length() - 1);
        }
        return t.isEmpty() ? fallback : t;
    }

    // an unknown action adds a header rather than rejecting: a typo must not refuse mail
    private static Action action(String a, String key) {
        String t = a == null ? "" : a.trim().toLowerCase(Locale.ROOT);
        if ("reject".equals(t)) {
            return Action.REJECT;
        }
        if (!"header".equals(t)) {
            LOG.warn("dnsbl: {}={} is neither reject nor header; using header", key, a);
        }
        return Action.HEADER;
    }

    private static List<CidrBlock> passList(String[] entries) {
        List<CidrBlock> blocks = new ArrayList<>();
        for (String part : ListProperty.entries(entries)) {
            try {
                blocks.add(CidrBlock.parse(part));
            } catch (IllegalArgumentException e) {
                LOG.warn("dnsbl: pass_list entry left out: {}", e.getMessage());
            }
        }
        return List.copyOf(blocks);
    }

    private static CodeRanges codes(String text, String fallback, String key) {
        try {
            CodeRanges r = CodeRanges.parse(text == null ? "" : text);
            if (!r.toString().isEmpty()) {
                return r;
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("dnsbl: {}={} is not a list of IPv4 ranges ({}); using {}", key, text, e.getMessage(), fallback);
        }
        return CodeRanges.parse(fallback);
    }
}
