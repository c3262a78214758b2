package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.health.HealthCheck;
import org.karavel.api.metrics.Metric;
import org.karavel.testkit.MemorySpool;

/** The DS component driven as SCR would: binds, activate, modified, deactivate. */
class AdminComponentTest {
    private final AdminComponent component = new AdminComponent();

    @AfterEach
    void stop() {
        component.deactivate();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return RunningAdmin.send(
                RunningAdmin.client(null),
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + component.port() + path))
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build());
    }

    private static HealthCheck ready(String name) {
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean ready() {
                return true;
            }

            @Override
            public String detail() {
                return "ok";
            }
        };
    }

    @Test
    void itServesWhatIsBoundAndAGreedyReplacementKeepsTheNewService() throws Exception {
        MemorySpool first = new MemorySpool().commitOnSpoolThread();
        MemorySpool second = new MemorySpool().commitOnSpoolThread();
        component.bindSpool(first);
        component.addHealthCheck(ready("spool"));
        component.addMetricSource(
                () -> List.of(Metric.of("karavel_spool_messages", "Queued", Metric.Type.GAUGE, 2)),
                Map.of("karavel.metrics.source", "spool"));
        component.activate(AdminSettingsTest.config(Map.of("port", 0, "hostname", "admin.test.example")));

        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(get("/metrics").body()).contains("karavel_spool_messages 2");

        // SCR binds the better service first, then unbinds the old one
        component.bindSpool(second);
        component.unbindSpool(first);
        assertThat(get("/health").statusCode()).isEqualTo(200);
        component.unbindSpool(second);
        assertThat(get("/health").statusCode()).isEqualTo(503);
    }

    @Test
    void aConfigurationChangeRebindsAndABadOneStopsListeningWithoutFailing() throws Exception {
        component.activate(AdminSettingsTest.config(Map.of("port", 0, "hostname", "h.test.example")));
        int before = component.port();
        assertThat(before).isPositive();

        component.modified(AdminSettingsTest.config(
                Map.of("port", 0, "hostname", "h.test.example", "trusted__hosts", new String[] {"10.0.0.1/8"})));

        assertThat(component.port()).isEqualTo(-1);
        assertThatThrownBy(() -> RunningAdmin.send(
                        RunningAdmin.client(null),
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + before + "/health"))
                                .timeout(Duration.ofSeconds(5))
                                .GET()
                                .build()))
                .isInstanceOf(ConnectException.class);

        component.modified(AdminSettingsTest.config(Map.of("port", 0, "hostname", "h.test.example", "enabled", false)));
        assertThat(component.port()).isEqualTo(-1);
        component.modified(AdminSettingsTest.config(Map.of("port", 0, "hostname", "h.test.example")));
        assertThat(get("/health").statusCode()).as("no spool, no checks").isEqualTo(503);
    }
}
