package org.karavel.dkim.internal;

import org.karavel.api.net.MachineName;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The checked configuration of the filter.
 *
 * @param dmarcReject whether a DMARC failure under p=reject refuses the message
 * @param timeout the time budget of one message
 */
public record AuthSettings(boolean enabled, String authservId, Set<String> listeners, boolean dmarcReject, boolean checkHelo,
        Duration timeout, int maxHeaderBytes) {
    /** The filter's own stage limit is 60 s (service property); the budget stays well inside it. */
    static final int MAX_TIMEOUT_SECONDS = 50;

    public static AuthSettings from(AuthConfig c) {
        String id = c.authserv__id() == null || c.authserv__id().isBlank() ? hostName() : c.authserv__id().strip();
        Set<String> listeners = Arrays.stream(c.listeners() == null ? new String[0] : c.listeners())
                .flatMap(s -> Arrays.stream(s.split(",")))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        String reject = c.dmarc__reject() == null ? "none" : c.dmarc__reject().strip().toLowerCase(Locale.ROOT);
        if (!reject.equals("none") && !reject.equals("reject")) {
            // a typo must not take the filter away: record only, and say so
            org.slf4j.LoggerFactory.getLogger(AuthSettings.class)
                    .warn("dkim: dmarc_reject must be none or reject, not '{}': using none", c.dmarc__reject());
            reject = "none";
        }
        int seconds = Math.max(1, Math.min(MAX_TIMEOUT_SECONDS, c.timeout__seconds()));
        int headerBytes = Math.max(16, c.max__header__kb()) * 1024;
        return new AuthSettings(c.enabled(), id, listeners, reject.equals("reject"), c.check__helo(), Duration.ofSeconds(seconds),
                headerBytes);
    }

    /** This host's canonical name, as Postfix's myhostname would be; "localhost" if it cannot be found. */
    static String hostName() {
        return MachineName.canonical().orElse("localhost");
    }
}
