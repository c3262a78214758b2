package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.karavel.api.status.Finding;
import org.karavel.api.status.StatusChecks;
import org.karavel.api.status.StatusReport;

/** {@code GET /api/v1/status-checks} through the route table: runs, the last report, and bad input. */
class StatusCheckEndpointsTest {
    private final AdminServices services = new AdminServices();
    private final AdminApi api = new AdminApi(
            services,
            new AdminCounters(),
            new MessageInjection("mx.example", ZonedDateTime::now, new MailLog(line -> {})),
            new MailLog(line -> {}),
            1 << 20,
            Instant::now);
    private final AtomicInteger runs = new AtomicInteger();
    private volatile StatusReport last;

    /** A status service that counts its runs and keeps its last report, as the status bundle's does. */
    private final StatusChecks checks = new StatusChecks() {
        @Override
        public CompletionStage<StatusReport> run() {
            runs.incrementAndGet();
            last = new StatusReport(
                    Instant.parse("2026-12-07T03:10:00Z"),
                    List.of(
                            Finding.ok("dns.host", "server", "mail.a.test resolves to 192.0.2.1"),
                            Finding.warning("dns.dmarc", "a.test", "DMARC p=none", "Raise it")));
            return CompletableFuture.completedFuture(last);
        }

        @Override
        public Optional<StatusReport> last() {
            return Optional.ofNullable(last);
        }
    };

    private JsonNode get(String query) throws Exception {
        AdminResponse r = api.handle(new AdminRequest(
                "GET",
                "/api/v1/status-checks",
                AdminRequest.parseQuery(query),
                new byte[0],
                InetAddress.getLoopbackAddress(),
                false,
                ""));
        assertThat(r.status()).isEqualTo(200);
        return new ObjectMapper().readTree(r.body());
    }

    @Test
    void reportsEachFindingWithItsFixAndTheWorstLevel() throws Exception {
        services.statusChecks = checks;
        assertThatThrownBy(() -> get("last=true"))
                .isInstanceOfSatisfying(
                        ApiError.class, e -> assertThat(e.status()).isEqualTo(404));
        JsonNode report = get("");
        assertThat(runs).hasValue(1);
        assertThat(report.get("status").asText()).isEqualTo("warning");
        assertThat(report.get("warnings").asInt()).isEqualTo(1);
        assertThat(report.get("findings").get(1).get("fix").asText()).isEqualTo("Raise it");
        assertThat(report.get("findings").get(1).get("level").asText()).isEqualTo("warning");
        get("last=true");
        assertThat(runs).as("last=true does not run the checks").hasValue(1);
    }

    @Test
    void badInputAndAMissingServiceGetJsonErrors() {
        assertThatThrownBy(() -> get(""))
                .isInstanceOfSatisfying(
                        ApiError.class, e -> assertThat(e.status()).isEqualTo(503));
        services.statusChecks = checks;
        assertThatThrownBy(() -> get("last=yes")).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).contains("last");
        });
    }
}
