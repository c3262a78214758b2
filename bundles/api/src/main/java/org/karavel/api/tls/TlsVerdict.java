package org.karavel.api.tls;

import java.util.Objects;
import java.util.Optional;
import org.karavel.api.maillog.MailLogLine;

/**
 * What the outbound TLS policy says about one SMTP session, and what the delivery log line records.
 * Made by {@link OutboundTls#verify} after a handshake, or {@link OutboundTls#withoutTls} when
 * there is none.
 *
 * @param host the policy that was applied
 * @param accepted whether delivery may go on over this session; false: a temporary failure (4.7.5)
 * @param encrypted whether the session is under TLS
 * @param verified whether the certificate was authenticated (WebPKI with the MX name, or DANE)
 * @param protocol e.g. {@code TLSv1.3}; empty without TLS
 * @param cipherSuite e.g. {@code TLS_AES_256_GCM_SHA384}; empty without TLS
 * @param clearTextRetry when the handshake failed and the policy allows clear text: reconnect and
 *     deliver without STARTTLS ({@code accepted} is then true)
 * @param failure the policy failure, for TLS-RPT (present even when accepted: MTA-STS testing,
 *     OpportunisticInsecure with an invalid certificate is not a failure)
 * @param detail a short reason for logs, e.g. {@code certificate expired on 2026-01-01T00:00:00Z}
 */
public record TlsVerdict(
        HostTls host,
        boolean accepted,
        boolean encrypted,
        boolean verified,
        String protocol,
        String cipherSuite,
        boolean clearTextRetry,
        Optional<TlsFailure> failure,
        String detail) {

    public TlsVerdict {
        Objects.requireNonNull(host, "host");
        protocol = protocol == null ? "" : protocol;
        cipherSuite = cipherSuite == null ? "" : cipherSuite;
        Objects.requireNonNull(failure, "failure");
        detail = detail == null ? "" : detail;
    }

    /**
     * The TLS part of a delivery log line, e.g.
     * {@code tls=TLSv1.3:TLS_AES_256_GCM_SHA384 verified=yes policy=Required/mta-sts-enforce} or
     * {@code tls=none policy=Opportunistic/none}; a failure adds {@code tls_failure=certificate-expired}
     * ({@link MailLogLine#tls}).
     */
    public String logText() {
        return MailLogLine.tls(
                encrypted,
                protocol,
                cipherSuite,
                verified,
                host.policyLabel(),
                failure.map(TlsFailure::resultType).orElse(null));
    }
}
