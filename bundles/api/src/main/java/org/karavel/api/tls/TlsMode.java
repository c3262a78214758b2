package org.karavel.api.tls;

import java.util.Locale;

/** How delivery to one destination uses TLS. The names are those of the configuration. */
public enum TlsMode {
    /** STARTTLS when offered; the certificate must verify (JDK trust store, MX name), else a temporary failure. */
    OPPORTUNISTIC("Opportunistic"),
    /** STARTTLS when offered, any certificate; clear text when the handshake fails. */
    OPPORTUNISTIC_INSECURE("OpportunisticInsecure"),
    /** TLS with a certificate valid for the MX name, else a temporary failure. */
    REQUIRED("Required"),
    /** TLS with any certificate, else a temporary failure. */
    REQUIRED_INSECURE("RequiredInsecure"),
    /** Never STARTTLS. */
    DISABLED("Disabled");

    private final String configName;

    TlsMode(String configName) {
        this.configName = configName;
    }

    /** The name used in configuration and logs, e.g. {@code RequiredInsecure}. */
    public String configName() {
        return configName;
    }

    /** Whether STARTTLS is sent when the server offers it. */
    public boolean startTls() {
        return this != DISABLED;
    }

    /** Whether a session without TLS is a temporary failure. */
    public boolean tlsRequired() {
        return this == REQUIRED || this == REQUIRED_INSECURE;
    }

    /** Whether the certificate must verify. */
    public boolean verifies() {
        return this == OPPORTUNISTIC || this == REQUIRED;
    }

    /** Parses a configuration name, case-insensitively ({@code required}, {@code Required}, {@code REQUIRED}). */
    public static TlsMode parse(String name) {
        String wanted = name.trim().replace("_", "").toLowerCase(Locale.ROOT);
        for (TlsMode mode : values()) {
            if (mode.configName.toLowerCase(Locale.ROOT).equals(wanted)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown TLS mode '" + name
                + "' (Opportunistic, OpportunisticInsecure, Required, RequiredInsecure, Disabled)");
    }

    @Override
    public String toString() {
        return configName;
    }
}
