package org.karavel.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.karavel.api.metrics.Metric;
import org.karavel.api.tls.ServerTlsContext;

class CertificateMetricsTest {
    @Test
    void theServedCertificatesExpiryAndOrigin() throws Exception {
        OutboundPki.Issued ca = OutboundPki.ca("Metrics CA");
        Instant until = Instant.parse("2027-03-01T00:00:00Z");
        OutboundPki.Issued leaf = OutboundPki.server(ca, until.minus(Duration.ofDays(90)), until, "mx.test");
        ServerTlsContext context = new ServerTlsContext(
                SSLContext.getDefault(),
                new String[] {"TLSv1.3"},
                new String[0],
                "ab",
                true,
                List.of(leaf.certificate(), ca.certificate()));
        List<Metric> metrics = new CertificateMetrics(() -> context).metrics();
        assertThat(metrics)
                .extracting(Metric::name)
                .containsExactly(
                        "karavel_tls_certificate_expiry_timestamp_seconds", "karavel_tls_certificate_self_signed");
        assertThat(metrics.get(0).samples().get(0).value()).isEqualTo((double) until.getEpochSecond());
        assertThat(metrics.get(1).samples().get(0).value()).isEqualTo(1.0);
    }
}
