package org.karavel.status.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;

class ClockCheckTest {
    private final Setup setup = new Setup("mx.test", Set.of(), List.of(), List.of());

    private Finding run(List<String> command) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            return new ClockCheck(executor, command)
                    .run(setup)
                    .toCompletableFuture()
                    .get()
                    .get(0);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void theAnswerOfARealProcessIsRead() throws Exception {
        assertThat(run(List.of("echo", "yes")).level()).isEqualTo(Finding.Level.OK);
        assertThat(run(List.of("echo", "no")).level()).isEqualTo(Finding.Level.ERROR);
        assertThat(run(List.of("false")).found()).contains("cannot be told");
        assertThat(run(List.of("/nonexistent/timedatectl")).level()).isEqualTo(Finding.Level.WARNING);
    }
}
