package org.karavel.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.metrics.Metric;
import org.karavel.api.tls.DestinationTls;
import org.karavel.api.tls.HostTls;
import org.karavel.api.tls.PolicySource;
import org.karavel.api.tls.TlsMode;
import org.karavel.api.tls.TlsOutcome;
import org.karavel.testkit.MemorySpool;

class OutboundTlsComponentTest {
    @TempDir
    Path dir;

    OutboundTlsConfig config(String defaultMode, String policies) {
        return new OutboundTlsConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return OutboundTlsConfig.class;
            }

            @Override
            public String outbound__default() {
                return defaultMode;
            }

            @Override
            public String[] outbound__policies() {
                return new String[] {policies};
            }

            @Override
            public String trust__file() {
                return "";
            }

            @Override
            public boolean mta__sts() {
                return true;
            }

            @Override
            public int mta__sts__port() {
                return 443;
            }

            @Override
            public String mta__sts__trust__file() {
                return "";
            }

            @Override
            public int mta__sts__timeout() {
                return 2;
            }

            @Override
            public boolean dane() {
                return false;
            }

            @Override
            public boolean tlsrpt() {
                return true;
            }

            @Override
            public String tlsrpt__directory() {
                return dir.toString();
            }

            @Override
            public String tlsrpt__submitter() {
                return "mail.test.example";
            }

            @Override
            public String tlsrpt__from() {
                return "";
            }

            @Override
            public String tlsrpt__organization() {
                return "";
            }
        };
    }

    @Test
    void readsTheConfigurationCountsVerdictsAndWritesCountsOnDeactivate() throws Exception {
        OutboundTlsComponent component = new OutboundTlsComponent(new StubResolver(), new MemorySpool());
        component.activate(config("required", "lax.test=OpportunisticInsecure, .internal.test=Disabled"));
        try {
            DestinationTls plain =
                    component.forDomain("plain.test").toCompletableFuture().get();
            assertThat(plain.mode()).isEqualTo(TlsMode.REQUIRED);
            assertThat(plain.source()).isEqualTo(PolicySource.NONE);
            assertThat(component
                            .forDomain("lax.test")
                            .toCompletableFuture()
                            .get()
                            .mode())
                    .isEqualTo(TlsMode.OPPORTUNISTIC_INSECURE);
            assertThat(component
                            .forDomain("a.internal.test")
                            .toCompletableFuture()
                            .get()
                            .mode())
                    .isEqualTo(TlsMode.DISABLED);
            HostTls host = component
                    .forHost(plain, "mx.plain.test")
                    .toCompletableFuture()
                    .get();
            var verdict = component.withoutTls(host, false, "");
            assertThat(verdict.accepted()).isFalse();
            component.record("plain.test", TlsOutcome.of(verdict, "127.0.0.1", "127.0.0.2"));
            Metric sessions = component.metrics().get(0);
            assertThat(sessions.name()).isEqualTo("karavel_tls_outbound_sessions_total");
            assertThat(sessions.samples()).singleElement().satisfies(s -> {
                assertThat(s.labels()).containsEntry("policy", "none").containsEntry("result", "refused");
                assertThat(s.value()).isEqualTo(1.0);
            });
        } finally {
            component.deactivate();
        }
        try (var files = Files.list(dir)) {
            List<Path> written = files.toList();
            assertThat(written).hasSize(1);
            assertThat(Files.readString(written.get(0))).contains("starttls-not-supported");
        }
        assertThat(Optional.of(OutboundTlsComponent.reportDirectory("")))
                .contains(Path.of(System.getProperty("karaf.data", "data"), "tlsrpt"));
    }
}
