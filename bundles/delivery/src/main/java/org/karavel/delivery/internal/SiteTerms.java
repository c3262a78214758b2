package org.karavel.delivery.internal;

import java.time.Duration;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.api.tls.HostTls;
import org.karavel.api.tls.PolicySource;
import org.karavel.api.tls.TlsMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a shaping site's rule changes in how its connections are made: the time allowed for the TCP
 * connect and the server's greeting ({@code connect_timeout}, as KumoMTA's before its banner_timeout),
 * and a TLS mode that can only raise what the outbound TLS policy asks, never lower it.
 *
 * @param site the site's name, for log lines; empty when the destination is not shaped
 * @param connectTimeout the TCP connect limit
 * @param greetingTimeout how long the server's 220 may take once connected
 * @param tls the site's TLS mode, or null when its rule names none
 */
record SiteTerms(String site, Duration connectTimeout, Duration greetingTimeout, TlsMode tls) {
    private static final Logger LOG = LoggerFactory.getLogger(SiteTerms.class);

    /** No site rule: delivery's connect_timeout_seconds and reply_timeout_seconds, the TLS policy alone. */
    static SiteTerms none(DeliverySettings settings) {
        return new SiteTerms("", settings.connectTimeout(), settings.replyTimeout(), null);
    }

    /** The terms of a site's limits; null limits (not shaped) give {@link #none}. */
    static SiteTerms of(SiteLimits limits, DeliverySettings settings) {
        if (limits == null) {
            return none(settings);
        }
        Duration connect = limits.connectTimeout();
        TlsMode mode = null;
        if (!limits.tls().isBlank()) {
            try {
                mode = TlsMode.parse(limits.tls());
            } catch (IllegalArgumentException e) {
                // the shaping bundle checks the key; a value it let through is logged, and the policy alone applies
                LOG.warn("shaping site {}: tls = {} ignored: {}", limits.site(), limits.tls(), e.getMessage());
            }
        }
        return new SiteTerms(
                limits.site(),
                connect == null ? settings.connectTimeout() : connect,
                connect == null ? settings.replyTimeout() : connect,
                mode);
    }

    /**
     * The host's policy with the site's mode joined in: TLS is required when either asks it, the
     * certificate verified when either asks it, STARTTLS sent when either wants it. A DANE host is
     * left to its TLSA records (RFC 7672 decides there, and is stronger than a WebPKI check).
     */
    HostTls raise(HostTls host) {
        if (tls == null || host == null || host.source() == PolicySource.DANE) {
            return host;
        }
        TlsMode joined = atLeast(host.mode(), tls);
        if (joined == host.mode()) {
            return host;
        }
        return new HostTls(
                host.destination(),
                host.mxHost(),
                joined,
                host.source(),
                host.tlsa(),
                host.mxAllowed(),
                host.refusal());
    }

    /** Words for a TLS failure's reply that say the site's rule took part; empty when it did not. */
    String tlsNote(HostTls host) {
        if (tls == null || host == null || host.source() == PolicySource.DANE) {
            return "";
        }
        return " (shaping site " + site + " asks tls = " + tls.configName() + ")";
    }

    /** The weakest mode that is at least as strict as both. */
    static TlsMode atLeast(TlsMode a, TlsMode b) {
        boolean required = a.tlsRequired() || b.tlsRequired();
        boolean verifies = a.verifies() || b.verifies();
        if (required) {
            return verifies ? TlsMode.REQUIRED : TlsMode.REQUIRED_INSECURE;
        }
        if (verifies) {
            return TlsMode.OPPORTUNISTIC;
        }
        return a.startTls() || b.startTls() ? TlsMode.OPPORTUNISTIC_INSECURE : TlsMode.DISABLED;
    }
}
