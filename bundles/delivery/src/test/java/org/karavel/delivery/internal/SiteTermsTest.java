package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.api.tls.DestinationTls;
import org.karavel.api.tls.HostTls;
import org.karavel.api.tls.PolicySource;
import org.karavel.api.tls.TlsMode;

/** How a shaping site's tls mode joins the outbound TLS policy's: it may raise it, never lower it. */
class SiteTermsTest {
    private static final DeliverySettings SETTINGS = DeliverySettings.builder()
            .connectTimeout(Duration.ofSeconds(30))
            .replyTimeout(Duration.ofSeconds(300))
            .build();

    private static HostTls host(TlsMode mode, PolicySource source) {
        DestinationTls d = new DestinationTls("a.test", mode, source, List.of(), "", List.of(), Optional.empty());
        return new HostTls(d, "mx.a.test", mode, source, List.of(), true, Optional.empty());
    }

    private static SiteTerms site(String tls) {
        return SiteTerms.of(
                new SiteLimits("provider", 0, null, null, 1, 0, Duration.ofSeconds(5), null, tls, null), SETTINGS);
    }

    @Test
    void theJoinIsTheWeakestModeAsStrictAsBoth() {
        assertThat(SiteTerms.atLeast(TlsMode.OPPORTUNISTIC, TlsMode.REQUIRED)).isEqualTo(TlsMode.REQUIRED);
        assertThat(SiteTerms.atLeast(TlsMode.OPPORTUNISTIC_INSECURE, TlsMode.REQUIRED_INSECURE))
                .isEqualTo(TlsMode.REQUIRED_INSECURE);
        // Opportunistic verifies whatever TLS it gets; with TLS required too, that is Required
        assertThat(SiteTerms.atLeast(TlsMode.OPPORTUNISTIC, TlsMode.REQUIRED_INSECURE))
                .isEqualTo(TlsMode.REQUIRED);
        assertThat(SiteTerms.atLeast(TlsMode.DISABLED, TlsMode.OPPORTUNISTIC_INSECURE))
                .isEqualTo(TlsMode.OPPORTUNISTIC_INSECURE);
        for (TlsMode m : TlsMode.values()) {
            assertThat(SiteTerms.atLeast(m, TlsMode.DISABLED))
                    .as("%s with Disabled", m)
                    .isEqualTo(m);
            assertThat(SiteTerms.atLeast(m, m)).isEqualTo(m);
        }
    }

    @Test
    void aSiteNeverLowersMtaStsOrAConfiguredRule() {
        assertThat(site("Disabled")
                        .raise(host(TlsMode.REQUIRED, PolicySource.MTA_STS_ENFORCE))
                        .mode())
                .isEqualTo(TlsMode.REQUIRED);
        assertThat(site("OpportunisticInsecure")
                        .raise(host(TlsMode.OPPORTUNISTIC, PolicySource.CONFIG))
                        .mode())
                .isEqualTo(TlsMode.OPPORTUNISTIC);
        HostTls raised = site("Required").raise(host(TlsMode.OPPORTUNISTIC, PolicySource.NONE));
        assertThat(raised.mode()).isEqualTo(TlsMode.REQUIRED);
        assertThat(raised.source()).isEqualTo(PolicySource.NONE);
    }

    @Test
    void aDaneHostIsLeftToItsTlsaRecords() {
        HostTls dane = host(TlsMode.REQUIRED_INSECURE, PolicySource.DANE);
        assertThat(site("Required").raise(dane)).isSameAs(dane);
        assertThat(site("Required").tlsNote(dane)).isEmpty();
    }

    @Test
    void theConnectTimeoutBoundsTheGreetingTooAndNoRuleMeansDeliverysOwn() {
        SiteTerms s = site("");
        assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.greetingTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.tls()).isNull();
        SiteTerms none = SiteTerms.of(null, SETTINGS);
        assertThat(none.connectTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(none.greetingTimeout()).isEqualTo(Duration.ofSeconds(300));
    }
}
