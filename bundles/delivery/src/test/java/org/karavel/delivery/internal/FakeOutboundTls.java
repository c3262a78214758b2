package org.karavel.delivery.internal;

import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.karavel.api.tls.DestinationTls;
import org.karavel.api.tls.HostTls;
import org.karavel.api.tls.OutboundTls;
import org.karavel.api.tls.PolicySource;
import org.karavel.api.tls.TlsFailure;
import org.karavel.api.tls.TlsMode;
import org.karavel.api.tls.TlsOutcome;
import org.karavel.api.tls.TlsVerdict;

/**
 * The outbound TLS policy as the tls bundle's README describes it, small enough for delivery's tests:
 * a default mode, per-domain rules, hosts to refuse, one trusted CA, and the recorded TLS-RPT outcomes.
 */
final class FakeOutboundTls implements OutboundTls {
    volatile TlsMode defaultMode;
    final Map<String, TlsMode> rules = new ConcurrentHashMap<>();
    final Set<String> refusedHosts = ConcurrentHashMap.newKeySet();
    volatile X509Certificate trustedCa;
    final List<Map.Entry<String, TlsOutcome>> recorded = new CopyOnWriteArrayList<>();
    final List<String> domainsAsked = new CopyOnWriteArrayList<>();
    /** Every forHost question: the host and whether its MX answer was authentic. */
    final List<String> hostsAsked = new CopyOnWriteArrayList<>();

    FakeOutboundTls(TlsMode defaultMode) {
        this.defaultMode = defaultMode;
    }

    @Override
    public CompletionStage<DestinationTls> forDomain(String domain) {
        domainsAsked.add(domain);
        TlsMode rule = rules.get(domain);
        return CompletableFuture.completedFuture(new DestinationTls(
                domain,
                rule == null ? defaultMode : rule,
                rule == null ? PolicySource.NONE : PolicySource.CONFIG,
                List.of(),
                "",
                List.of(),
                Optional.empty()));
    }

    @Override
    public boolean mxAllowed(DestinationTls destination, String mxHost) {
        return !refusedHosts.contains(mxHost);
    }

    @Override
    public CompletionStage<HostTls> forHost(DestinationTls destination, String mxHost, boolean mxAuthentic) {
        hostsAsked.add(mxHost + (mxAuthentic ? " authentic" : " insecure"));
        boolean allowed = mxAllowed(destination, mxHost);
        return CompletableFuture.completedFuture(new HostTls(
                destination,
                mxHost,
                destination.mode(),
                destination.source(),
                List.of(),
                allowed,
                allowed ? Optional.empty() : Optional.of(TlsFailure.VALIDATION_FAILURE)));
    }

    @Override
    public SSLContext clientContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {acceptAll()}, null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509TrustManager acceptAll() {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }

    @Override
    public SSLParameters clientParameters(HostTls host) {
        SSLParameters p = new SSLParameters();
        p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        p.setServerNames(List.of(new SNIHostName(host.mxHost())));
        return p;
    }

    @Override
    public TlsVerdict verify(HostTls host, X509Certificate[] chain, String protocol, String cipherSuite) {
        if (!host.mode().verifies()) {
            return new TlsVerdict(host, true, true, false, protocol, cipherSuite, false, Optional.empty(), "");
        }
        String problem = problem(host.mxHost(), chain);
        if (problem == null) {
            return new TlsVerdict(host, true, true, true, protocol, cipherSuite, false, Optional.empty(), "");
        }
        return new TlsVerdict(
                host,
                false,
                true,
                false,
                protocol,
                cipherSuite,
                false,
                Optional.of(TlsFailure.CERTIFICATE_NOT_TRUSTED),
                problem);
    }

    private String problem(String mxHost, X509Certificate[] chain) {
        if (trustedCa == null || chain.length == 0) {
            return "certificate not trusted";
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("ca", trustedCa);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(store);
            ((X509TrustManager) tmf.getTrustManagers()[0]).checkServerTrusted(chain, "UNKNOWN");
            boolean named = chain[0].getSubjectAlternativeNames() != null
                    && chain[0].getSubjectAlternativeNames().stream()
                            .anyMatch(n -> mxHost.equalsIgnoreCase(String.valueOf(n.get(1))));
            return named ? null : "certificate not for " + mxHost;
        } catch (CertificateException e) {
            return "certificate not trusted: " + e.getMessage();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public TlsVerdict withoutTls(HostTls host, boolean handshakeFailed, String detail) {
        TlsMode mode = host.mode();
        if (mode.tlsRequired()) {
            return new TlsVerdict(
                    host,
                    false,
                    false,
                    false,
                    "",
                    "",
                    false,
                    Optional.of(handshakeFailed ? TlsFailure.VALIDATION_FAILURE : TlsFailure.STARTTLS_NOT_SUPPORTED),
                    detail);
        }
        if (handshakeFailed) {
            boolean retry = mode == TlsMode.OPPORTUNISTIC_INSECURE;
            return new TlsVerdict(
                    host, retry, false, false, "", "", retry, Optional.of(TlsFailure.VALIDATION_FAILURE), detail);
        }
        return new TlsVerdict(host, true, false, false, "", "", false, Optional.empty(), detail);
    }

    @Override
    public void record(String policyDomain, TlsOutcome outcome) {
        recorded.add(Map.entry(policyDomain, outcome));
    }
}
