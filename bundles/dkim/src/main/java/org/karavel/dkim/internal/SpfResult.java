package org.karavel.dkim.internal;

import java.util.Locale;

/** The results of an SPF check (RFC 7208 §2.6). */
public enum SpfResult {
    NONE,
    NEUTRAL,
    PASS,
    FAIL,
    SOFTFAIL,
    TEMPERROR,
    PERMERROR;

    /** The name as Authentication-Results and Received-SPF write it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
