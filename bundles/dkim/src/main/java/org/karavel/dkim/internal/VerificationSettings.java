package org.karavel.dkim.internal;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.karavel.api.config.ListProperty;
import org.karavel.api.net.MachineName;

/**
 * The checked configuration of the verifying filter (SPF, DKIM, DMARC), from {@link DkimConfig}.
 *
 * @param dmarcReject whether a DMARC failure under p=reject refuses the message
 * @param timeout the time budget of one message
 * @param strictFrom whether checked mail without exactly one From field with one address is refused
 * @param rejectUnsignedContent whether a DKIM signature whose l= leaves content unsigned refuses the
 *     message (else it counts as failing)
 */
public record VerificationSettings(
        boolean enabled,
        String authservId,
        Set<String> listeners,
        boolean dmarcReject,
        boolean checkHelo,
        Duration timeout,
        int maxHeaderBytes,
        boolean strictFrom,
        boolean rejectUnsignedContent) {
    /** Settings with the defaults of strict_from (true) and dkim_body_length (fail). */
    public VerificationSettings(
            boolean enabled,
            String authservId,
            Set<String> listeners,
            boolean dmarcReject,
            boolean checkHelo,
            Duration timeout,
            int maxHeaderBytes) {
        this(enabled, authservId, listeners, dmarcReject, checkHelo, timeout, maxHeaderBytes, true, false);
    }

    /** The filter's own stage limit is 60 s (service property); the budget stays well inside it. */
    static final int MAX_TIMEOUT_SECONDS = 50;

    public static VerificationSettings from(DkimConfig c) {
        String id = c.authserv__id() == null || c.authserv__id().isBlank()
                ? hostName()
                : c.authserv__id().strip();
        Set<String> listeners = Set.copyOf(ListProperty.entries(c.listeners()));
        String reject =
                c.dmarc__reject() == null ? "none" : c.dmarc__reject().strip().toLowerCase(Locale.ROOT);
        if (!reject.equals("none") && !reject.equals("reject")) {
            // a typo must not take the filter away: record only, and say so
            org.slf4j.LoggerFactory.getLogger(VerificationSettings.class)
                    .warn("dkim: dmarc_reject must be none or reject, not '{}': using none", c.dmarc__reject());
            reject = "none";
        }
        String bodyLength = c.dkim__body__length() == null
                ? "fail"
                : c.dkim__body__length().strip().toLowerCase(Locale.ROOT);
        if (!bodyLength.equals("fail") && !bodyLength.equals("reject")) {
            org.slf4j.LoggerFactory.getLogger(VerificationSettings.class)
                    .warn(
                            "dkim: dkim_body_length must be fail or reject, not '{}': using fail",
                            c.dkim__body__length());
            bodyLength = "fail";
        }
        int seconds = Math.max(1, Math.min(MAX_TIMEOUT_SECONDS, c.timeout__seconds()));
        int headerBytes = Math.max(16, c.max__header__kb()) * 1024;
        return new VerificationSettings(
                c.enabled(),
                id,
                listeners,
                reject.equals("reject"),
                c.check__helo(),
                Duration.ofSeconds(seconds),
                headerBytes,
                c.strict__from(),
                bodyLength.equals("reject"));
    }

    /** This host's canonical name, as Postfix's myhostname would be; "localhost" if it cannot be found. */
    static String hostName() {
        return MachineName.canonical().orElse("localhost");
    }
}
