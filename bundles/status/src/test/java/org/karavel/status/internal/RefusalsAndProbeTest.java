package org.karavel.status.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.metrics.CounterFamily;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.testkit.SmtpSink;

class RefusalsAndProbeTest {
    private final Setup setup = new Setup("mx.test", Set.of(), List.of(), List.of());
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void refusalsAreCountedByReasonSinceThePreviousRun() throws Exception {
        CounterFamily rejected = new CounterFamily("karavel_smtp_rejected_total", "refusals", "listener", "reason");
        MetricSource smtp = () -> List.of(rejected.metric());
        RefusalsCheck check = new RefusalsCheck(() -> smtp);
        rejected.increment("mx", "dnsbl");
        rejected.increment("mx", "dnsbl");
        rejected.increment("submission", "dnsbl");
        rejected.increment("mx", "relay");
        Finding first = check.run(setup).toCompletableFuture().get().get(0);
        assertThat(first.found()).isEqualTo("Refusals since the previous run, by reason: dnsbl 3, relay 1");
        rejected.increment("mx", "relay");
        Finding second = check.run(setup).toCompletableFuture().get().get(0);
        assertThat(second.found()).isEqualTo("Refusals since the previous run, by reason: relay 1");
        assertThat(check.run(setup).toCompletableFuture().get().get(0).found())
                .isEqualTo("No refusals since the previous run");
        // a restarted smtp bundle starts its counters again: what it counted since is new
        assertThat(RefusalsCheck.difference(Map.of("relay", 5.0), Map.of("relay", 2.0)))
                .containsEntry("relay", 2.0);
    }

    @Test
    void theProbeSeesAGreetingOrSaysPort25IsBlocked() throws Exception {
        try (SmtpSink sink = SmtpSink.start()) {
            OutboundPortCheck open =
                    new OutboundPortCheck(OutboundPortCheck.parse("127.0.0.1:" + sink.port()), executor);
            Finding ok = open.run(setup).toCompletableFuture().get().get(0);
            assertThat(ok.level()).isEqualTo(Finding.Level.OK);
        }
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Finding blocked = new OutboundPortCheck(new InetSocketAddress("127.0.0.1", closed), executor)
                .run(setup)
                .toCompletableFuture()
                .get()
                .get(0);
        assertThat(blocked.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(blocked.fix()).contains("smarthost");
        assertThat(new OutboundPortCheck(null, executor)
                        .run(setup)
                        .toCompletableFuture()
                        .get())
                .isEmpty();
    }

    @Test
    void aBadProbeSettingSaysWhatIsWrong() {
        assertThat(OutboundPortCheck.parse("")).isNull();
        assertThat(OutboundPortCheck.parse("[::1]:25").getPort()).isEqualTo(25);
        assertThatThrownBy(() -> OutboundPortCheck.parse("probe.example.com:25"))
                .hasMessageContaining("IP address");
        assertThatThrownBy(() -> OutboundPortCheck.parse("192.0.2.1")).hasMessageContaining("host:port");
        assertThatThrownBy(() -> OutboundPortCheck.parse("192.0.2.1:smtp")).hasMessageContaining("not a port");
    }
}
