package org.karavel.api.tls;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.karavel.api.dns.TlsaRecord;

/**
 * One SMTP session's TLS result for TLS-RPT (RFC 8460), handed to {@link OutboundTls#record}.
 * Make it with {@link #of} or {@link #refused} rather than by hand.
 *
 * @param policyType {@code sts}, {@code tlsa} or {@code no-policy-found}
 * @param policyStrings the policy as text: MTA-STS policy lines or TLSA records in presentation form
 * @param mxPatterns the MTA-STS {@code mx:} patterns, else empty
 * @param mxHost the receiving MX host name
 * @param sendingIp our address of the session, or empty when unknown
 * @param receivingIp the MX address connected to, or empty when none was
 * @param failure empty for a successful session
 * @param detail a short reason (TLS-RPT {@code failure-reason-code}), or empty
 */
public record TlsOutcome(
        String policyType,
        List<String> policyStrings,
        List<String> mxPatterns,
        String mxHost,
        String sendingIp,
        String receivingIp,
        Optional<TlsFailure> failure,
        String detail) {

    public static final String STS = "sts";
    public static final String TLSA = "tlsa";
    public static final String NO_POLICY_FOUND = "no-policy-found";

    public TlsOutcome {
        Objects.requireNonNull(policyType, "policyType");
        policyStrings = List.copyOf(policyStrings);
        mxPatterns = List.copyOf(mxPatterns);
        Objects.requireNonNull(mxHost, "mxHost");
        sendingIp = sendingIp == null ? "" : sendingIp;
        receivingIp = receivingIp == null ? "" : receivingIp;
        Objects.requireNonNull(failure, "failure");
        detail = detail == null ? "" : detail;
    }

    /** Whether the session succeeded as far as its TLS policy goes. */
    public boolean success() {
        return failure.isEmpty();
    }

    /**
     * The outcome of a session judged by {@link OutboundTls#verify} or {@link OutboundTls#withoutTls}.
     * A failure to get an announced MTA-STS policy counts as that failure when the session itself
     * had none.
     */
    public static TlsOutcome of(TlsVerdict verdict, String sendingIp, String receivingIp) {
        HostTls host = verdict.host();
        Optional<TlsFailure> failure = verdict.failure();
        if (failure.isEmpty() && host.source() != PolicySource.DANE) {
            failure = host.destination().policyFailure();
        }
        return new TlsOutcome(
                policyType(host),
                policyStrings(host),
                mxPatterns(host),
                host.mxHost(),
                sendingIp,
                receivingIp,
                failure,
                verdict.detail());
    }

    /** An MX host that was not tried because {@link HostTls#mxAllowed()} is false. */
    public static TlsOutcome refused(HostTls host, String sendingIp) {
        TlsFailure failure = host.refusal().orElse(TlsFailure.VALIDATION_FAILURE);
        return new TlsOutcome(
                policyType(host),
                policyStrings(host),
                mxPatterns(host),
                host.mxHost(),
                sendingIp,
                "",
                Optional.of(failure),
                host.source() == PolicySource.MTA_STS_ENFORCE ? "mx-not-in-policy" : "");
    }

    private static String policyType(HostTls host) {
        if (host.source() == PolicySource.DANE) {
            return TLSA;
        }
        DestinationTls destination = host.destination();
        return destination.mtaSts() || destination.policyFailure().isPresent() ? STS : NO_POLICY_FOUND;
    }

    private static List<String> policyStrings(HostTls host) {
        if (host.source() == PolicySource.DANE) {
            return host.tlsa().stream().map(TlsaRecord::toString).toList();
        }
        return host.destination().policyText();
    }

    private static List<String> mxPatterns(HostTls host) {
        return host.source() == PolicySource.DANE
                ? List.of()
                : host.destination().mxPatterns();
    }
}
