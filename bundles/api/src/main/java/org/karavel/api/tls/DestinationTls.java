package org.karavel.api.tls;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The TLS policy for one destination domain, before an MX host is chosen.
 *
 * @param domain the destination domain, lower case: the TLS-RPT policy domain
 * @param mode the mode to apply to MX hosts without DANE ({@link TlsMode#REQUIRED} under MTA-STS enforce)
 * @param source where the mode came from
 * @param mxPatterns the MTA-STS {@code mx:} patterns (enforce and testing), else empty
 * @param policyId the MTA-STS policy id from the {@code _mta-sts} TXT record, else empty
 * @param policyText the MTA-STS policy lines as fetched (for TLS-RPT {@code policy-string}), else empty
 * @param policyFailure a failure to get the MTA-STS policy (fetch error, invalid policy) when one is
 *     announced but none is usable: delivery goes on under {@code mode}, TLS-RPT records the failure
 */
public record DestinationTls(
        String domain,
        TlsMode mode,
        PolicySource source,
        List<String> mxPatterns,
        String policyId,
        List<String> policyText,
        Optional<TlsFailure> policyFailure) {

    public DestinationTls {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(source, "source");
        mxPatterns = List.copyOf(mxPatterns);
        policyId = policyId == null ? "" : policyId;
        policyText = List.copyOf(policyText);
        Objects.requireNonNull(policyFailure, "policyFailure");
    }

    /** Whether an MTA-STS policy (enforce or testing) applies. */
    public boolean mtaSts() {
        return source == PolicySource.MTA_STS_ENFORCE || source == PolicySource.MTA_STS_TESTING;
    }
}
