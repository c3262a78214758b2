package org.karavel.status.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;
import org.karavel.api.status.StatusReport;

class CheckRunTest {
    private static StatusCheck check(String name, CompletionStage<List<Finding>> answer) {
        return new StatusCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public CompletionStage<List<Finding>> run(Setup setup) {
                return answer;
            }
        };
    }

    @Test
    void aHangingOrFailingCheckBecomesAnErrorAndTheOthersStillReport() throws Exception {
        Setup setup = new Setup("mail.example.test", Set.of("example.test"), List.of(), List.of());
        StatusReport r = CheckRun.run(
                        List.of(
                                check("never", new CompletableFuture<>()),
                                check("broken", CompletableFuture.failedFuture(new IllegalStateException("boom"))),
                                check(
                                        "fine",
                                        CompletableFuture.completedFuture(
                                                List.of(Finding.ok("fine", "example.test", "all good"))))),
                        setup,
                        Duration.ofMillis(300),
                        Clock.systemUTC())
                .toCompletableFuture()
                .get();
        assertThat(r.findings()).extracting(Finding::check).containsExactly("broken", "never", "fine");
        assertThat(r.findings().get(1).found()).isEqualTo("The check did not finish within 300 ms");
        assertThat(r.findings().get(0).found()).contains("boom");
        assertThat(r.worst()).isEqualTo(Finding.Level.ERROR);
        assertThat(r.count(Finding.Level.OK)).isEqualTo(1);
    }
}
