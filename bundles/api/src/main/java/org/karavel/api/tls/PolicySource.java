package org.karavel.api.tls;

/** Where the TLS policy applied to a destination or MX host came from. */
public enum PolicySource {
    /** An {@code outbound_policies} rule for the domain or a parent suffix. */
    CONFIG("config"),
    /** No rule and no published policy: {@code outbound_default}. */
    NONE("none"),
    /** A published MTA-STS policy in mode enforce (RFC 8461): only matching MX hosts, verified TLS. */
    MTA_STS_ENFORCE("mta-sts-enforce"),
    /** A published MTA-STS policy in mode testing: checked and reported (TLS-RPT), never enforced. */
    MTA_STS_TESTING("mta-sts-testing"),
    /** DNSSEC-authentic TLSA records of the MX host (RFC 7672): they decide, MTA-STS is not applied. */
    DANE("dane");

    private final String label;

    PolicySource(String label) {
        this.label = label;
    }

    /** The word for logs, e.g. {@code mta-sts-enforce}. */
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
