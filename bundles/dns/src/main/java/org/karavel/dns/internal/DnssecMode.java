package org.karavel.dns.internal;

import java.util.Locale;

/** Who vouches for a TLSA answer: nobody, the configured validating resolver (AD bit), or this bundle. */
public enum DnssecMode {
    /** No DNSSEC: TLSA answers are never authentic, so DANE is never applied. */
    OFF("off"),
    /** Set AD and DO in TLSA queries; an answer is authentic when the server sets AD (RFC 6840 §5.7). */
    TRUST_AD("trust_ad"),
    /** Validate here with dnsjava's ValidatingResolver from a trust anchor file; bogus is a server failure. */
    VALIDATE("validate");

    private final String key;

    DnssecMode(String key) {
        this.key = key;
    }

    /** The configuration value, e.g. {@code trust_ad}. */
    public String key() {
        return key;
    }

    /** Parses a configuration value; empty means {@link #OFF}. Also accepts {@code trust-ad} and any case. */
    public static DnssecMode parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        if (t.isEmpty()) {
            return OFF;
        }
        for (DnssecMode m : values()) {
            if (m.key.equals(t)) {
                return m;
            }
        }
        throw new IllegalArgumentException("dnssec must be off, trust_ad or validate: " + text);
    }
}
