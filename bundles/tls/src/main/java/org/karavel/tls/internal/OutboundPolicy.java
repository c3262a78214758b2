package org.karavel.tls.internal;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.Resolver;
import org.karavel.api.dns.TlsaAnswer;
import org.karavel.api.dns.TlsaRecord;
import org.karavel.api.tls.DestinationTls;
import org.karavel.api.tls.HostTls;
import org.karavel.api.tls.OutboundTls;
import org.karavel.api.tls.PolicySource;
import org.karavel.api.tls.TlsFailure;
import org.karavel.api.tls.TlsMode;
import org.karavel.api.tls.TlsOutcome;
import org.karavel.api.tls.TlsVerdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound TLS policy: configured rules, then MTA-STS, then the default per destination; DANE
 * per MX host named by a DNSSEC-authentic MX answer; and the judgement of each session after its handshake. Plain Java, so tests build it
 * without OSGi.
 */
final class OutboundPolicy implements OutboundTls {
    private static final Logger LOG = LoggerFactory.getLogger(OutboundPolicy.class);

    private final TlsMode defaultMode;
    private final DestinationRules rules;
    private final MtaSts mtaSts;
    private final Resolver resolver;
    private final boolean dane;
    private final CertificateCheck webPki;
    private final TlsReportLog reports;
    private final Clock clock;
    private final SSLContext clientContext;
    private final AtomicBoolean tlsaUnsupportedLogged = new AtomicBoolean();

    /**
     * @param mtaSts null when MTA-STS is off
     * @param resolver for TLSA lookups (DANE)
     * @param reports null when TLS-RPT is off
     */
    OutboundPolicy(
            TlsMode defaultMode,
            DestinationRules rules,
            MtaSts mtaSts,
            Resolver resolver,
            boolean dane,
            CertificateCheck webPki,
            TlsReportLog reports,
            Clock clock) {
        this.defaultMode = defaultMode;
        this.rules = rules;
        this.mtaSts = mtaSts;
        this.resolver = resolver;
        this.dane = dane;
        this.webPki = webPki;
        this.reports = reports;
        this.clock = clock;
        this.clientContext = acceptingContext();
    }

    @Override
    public CompletionStage<DestinationTls> forDomain(String domain) {
        String name = StsPolicy.stripDot(domain.toLowerCase(Locale.ROOT));
        Optional<TlsMode> configured = rules.modeFor(name);
        if (configured.isPresent()) {
            return done(new DestinationTls(
                    name, configured.get(), PolicySource.CONFIG, List.of(), "", List.of(), Optional.empty()));
        }
        DestinationTls none =
                new DestinationTls(name, defaultMode, PolicySource.NONE, List.of(), "", List.of(), Optional.empty());
        if (mtaSts == null) {
            return done(none);
        }
        return mtaSts.policy(name).handle((lookup, error) -> {
            if (error != null || lookup == null) {
                return none;
            }
            StsPolicy policy = lookup.policy();
            if (policy == null) {
                return lookup.failure() == null
                        ? none
                        : new DestinationTls(
                                name,
                                defaultMode,
                                PolicySource.NONE,
                                List.of(),
                                lookup.id(),
                                List.of(),
                                Optional.of(lookup.failure()));
            }
            return switch (policy.mode()) {
                case "enforce" ->
                    new DestinationTls(
                            name,
                            TlsMode.REQUIRED,
                            PolicySource.MTA_STS_ENFORCE,
                            policy.mxPatterns(),
                            lookup.id(),
                            policy.lines(),
                            Optional.empty());
                case "testing" ->
                    new DestinationTls(
                            name,
                            defaultMode,
                            PolicySource.MTA_STS_TESTING,
                            policy.mxPatterns(),
                            lookup.id(),
                            policy.lines(),
                            Optional.empty());
                default -> none;
            };
        });
    }

    @Override
    public boolean mxAllowed(DestinationTls destination, String mxHost) {
        return destination.source() != PolicySource.MTA_STS_ENFORCE
                || destination.mxPatterns().stream().anyMatch(p -> StsPolicy.mxMatches(p, mxHost));
    }

    @Override
    public CompletionStage<HostTls> forHost(DestinationTls destination, String mxHost, boolean mxAuthentic) {
        String mx = StsPolicy.stripDot(mxHost.toLowerCase(Locale.ROOT));
        // RFC 7672 §2.2.1, as Postfix: TLSA records count only for a host named by a DNSSEC-validated MX
        // answer; a spoofed MX could name a host in the spoofer's own signed zone. Then MTA-STS decides.
        if (!dane || !mxAuthentic || destination.mode() == TlsMode.DISABLED) {
            return done(fromDestination(destination, mx));
        }
        return resolver.tlsa("_25._tcp." + mx).handle((answer, error) -> {
            if (error == null) {
                return fromTlsa(destination, mx, answer);
            }
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof DnsException dns && dns.reason() == DnsException.Reason.NO_SUCH_DOMAIN) {
                return fromDestination(destination, mx);
            }
            if (cause instanceof DnsException dns && Resolver.TLSA_UNSUPPORTED.equals(dns.getMessage())) {
                if (tlsaUnsupportedLogged.compareAndSet(false, true)) {
                    LOG.warn("dane = true but the DNS resolver cannot look up TLSA records; DANE is not applied");
                }
                return fromDestination(destination, mx);
            }
            // RFC 7672 §2.2: a failed (not empty) TLSA lookup makes the host unusable, so no downgrade
            return new HostTls(
                    destination,
                    mx,
                    TlsMode.REQUIRED,
                    PolicySource.DANE,
                    List.of(),
                    false,
                    Optional.of(TlsFailure.DNSSEC_INVALID));
        });
    }

    private HostTls fromTlsa(DestinationTls destination, String mx, TlsaAnswer answer) {
        if (answer == null || !answer.authentic() || answer.records().isEmpty()) {
            return fromDestination(destination, mx);
        }
        List<TlsaRecord> usable =
                answer.records().stream().filter(TlsaRecord::usableForSmtp).toList();
        // RFC 7672 §2.2: authentic records that are all unusable still mean TLS, unauthenticated
        return new HostTls(
                destination,
                mx,
                usable.isEmpty() ? TlsMode.REQUIRED_INSECURE : TlsMode.REQUIRED,
                PolicySource.DANE,
                usable,
                true,
                Optional.empty());
    }

    private HostTls fromDestination(DestinationTls destination, String mx) {
        boolean allowed = mxAllowed(destination, mx);
        return new HostTls(
                destination,
                mx,
                destination.mode(),
                destination.source(),
                List.of(),
                allowed,
                allowed ? Optional.empty() : Optional.of(TlsFailure.VALIDATION_FAILURE));
    }

    @Override
    public SSLContext clientContext() {
        return clientContext;
    }

    @Override
    public SSLParameters clientParameters(HostTls host) {
        SSLParameters parameters = clientContext.getDefaultSSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        if (host.mxHost().matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")
                && host.mxHost().matches(".*[a-z].*")) {
            parameters.setServerNames(List.of(new SNIHostName(host.mxHost())));
        }
        return parameters;
    }

    @Override
    public TlsVerdict verify(HostTls host, X509Certificate[] chain, String protocol, String cipherSuite) {
        if (host.source() == PolicySource.DANE) {
            if (host.tlsa().isEmpty()) {
                return new TlsVerdict(
                        host,
                        true,
                        true,
                        false,
                        protocol,
                        cipherSuite,
                        false,
                        Optional.empty(),
                        "no usable TLSA record: encrypted, not authenticated");
            }
            CertificateCheck.Problem problem = DaneMatch.check(host.tlsa(), chain, List.of(host.mxHost()), clock);
            return problem == null
                    ? new TlsVerdict(host, true, true, true, protocol, cipherSuite, false, Optional.empty(), "dane")
                    : new TlsVerdict(
                            host,
                            false,
                            true,
                            false,
                            protocol,
                            cipherSuite,
                            false,
                            Optional.of(problem.failure()),
                            problem.detail());
        }
        CertificateCheck.Problem problem = webPki.check(chain, host.mxHost());
        boolean demanded = host.mode().verifies() || host.source() == PolicySource.MTA_STS_TESTING;
        Optional<TlsFailure> failure = demanded && problem != null ? Optional.of(problem.failure()) : Optional.empty();
        String detail = problem == null ? "" : problem.detail();
        if (failure.isEmpty()
                && host.source() == PolicySource.MTA_STS_TESTING
                && !host.destination().mxPatterns().stream().anyMatch(p -> StsPolicy.mxMatches(p, host.mxHost()))) {
            failure = Optional.of(TlsFailure.VALIDATION_FAILURE);
            detail = "mx-not-in-policy";
        }
        boolean accepted = !host.mode().verifies() || problem == null;
        return new TlsVerdict(host, accepted, true, problem == null, protocol, cipherSuite, false, failure, detail);
    }

    @Override
    public TlsVerdict withoutTls(HostTls host, boolean handshakeFailed, String detail) {
        TlsMode mode = host.mode();
        if (mode == TlsMode.DISABLED) {
            return new TlsVerdict(host, true, false, false, "", "", false, Optional.empty(), "TLS disabled");
        }
        TlsFailure failure = handshakeFailed ? TlsFailure.VALIDATION_FAILURE : TlsFailure.STARTTLS_NOT_SUPPORTED;
        String why = (handshakeFailed ? "TLS handshake failed" : "STARTTLS not offered")
                + (detail == null || detail.isBlank() ? "" : ": " + detail);
        if (mode.tlsRequired()) {
            return new TlsVerdict(
                    host,
                    false,
                    false,
                    false,
                    "",
                    "",
                    false,
                    Optional.of(failure),
                    why + "; policy " + host.policyLabel() + " requires TLS");
        }
        if (handshakeFailed) {
            boolean retry = mode == TlsMode.OPPORTUNISTIC_INSECURE;
            return new TlsVerdict(host, retry, false, false, "", "", retry, Optional.of(failure), why);
        }
        return new TlsVerdict(host, true, false, false, "", "", false, Optional.of(failure), why);
    }

    @Override
    public void record(String policyDomain, TlsOutcome outcome) {
        if (reports != null) {
            reports.record(policyDomain, outcome);
        }
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    /** Accepts every chain: the handshake completes, then {@link #verify} judges and says why. */
    private static SSLContext acceptingContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new AcceptingTrustManager()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no TLS", e);
        }
    }

    private static final class AcceptingTrustManager extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
