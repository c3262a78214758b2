package org.karavel.tls.internal;

import java.security.cert.X509Certificate;
import java.util.List;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.tls.ServerTls;
import org.karavel.api.tls.ServerTlsContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The served certificate as figures, so that an alert can fire before it expires (the renewal job
 * may fail silently): its expiry time and whether it is the self-signed one made at start.
 */
@Component(service = MetricSource.class, property = MetricSource.SOURCE + "=tls_certificate")
public final class CertificateMetrics implements MetricSource {
    private final ServerTls serverTls;

    @Activate
    public CertificateMetrics(@Reference(name = "serverTls") ServerTls serverTls) {
        this.serverTls = serverTls;
    }

    @Override
    public List<Metric> metrics() {
        ServerTlsContext current = serverTls.current();
        List<X509Certificate> chain = current.certificateChain();
        if (chain.isEmpty()) {
            return List.of();
        }
        return List.of(
                Metric.of(
                        "karavel_tls_certificate_expiry_timestamp_seconds",
                        "When the certificate the listeners serve expires (Unix time).",
                        Metric.Type.GAUGE,
                        chain.get(0).getNotAfter().getTime() / 1000.0),
                Metric.of(
                        "karavel_tls_certificate_self_signed",
                        "1 while the listeners serve the self-signed certificate made at start, else 0.",
                        Metric.Type.GAUGE,
                        current.selfSigned() ? 1 : 0));
    }
}
