package org.karavel.api.tls;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.karavel.api.dns.TlsaRecord;

/**
 * The TLS policy for one MX host of a destination: the destination's policy, or DANE when the host
 * has DNSSEC-authentic TLSA records (then MTA-STS does not apply to it).
 *
 * @param destination the policy of the destination domain
 * @param mxHost the MX host name, lower case, without trailing dot
 * @param mode the mode that applies to this host (DANE: {@link TlsMode#REQUIRED}, or
 *     {@link TlsMode#REQUIRED_INSECURE} when every TLSA record is unusable)
 * @param source where {@code mode} came from
 * @param tlsa the usable TLSA records (usage 2/3) when {@code source} is DANE, else empty
 * @param mxAllowed false when this host must not be used: not listed by an MTA-STS enforce policy,
 *     or its TLSA lookup failed (DNSSEC bogus or server failure); see {@code refusal}
 * @param refusal why the host must not be used (only when {@code mxAllowed} is false)
 */
public record HostTls(
        DestinationTls destination,
        String mxHost,
        TlsMode mode,
        PolicySource source,
        List<TlsaRecord> tlsa,
        boolean mxAllowed,
        Optional<TlsFailure> refusal) {

    public HostTls {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(mxHost, "mxHost");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(source, "source");
        tlsa = List.copyOf(tlsa);
        Objects.requireNonNull(refusal, "refusal");
    }

    /** Whether to send STARTTLS when the server offers it. */
    public boolean startTls() {
        return mode.startTls();
    }

    /** Whether a session without TLS is a temporary failure. */
    public boolean tlsRequired() {
        return mode.tlsRequired();
    }

    /** The policy words for logs: {@code Required/mta-sts-enforce}. */
    public String policyLabel() {
        return mode.configName() + "/" + source.label();
    }
}
