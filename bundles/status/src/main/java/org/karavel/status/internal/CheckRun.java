package org.karavel.status.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;
import org.karavel.api.status.StatusReport;

/** One run of every check: all at once, each within its time limit, a failure or a timeout an error finding. */
final class CheckRun {
    private static final Comparator<Finding> ORDER = Comparator.comparing(
                    (Finding f) -> !f.subject().equals(Finding.SERVER))
            .thenComparing(Finding::subject)
            .thenComparing(Finding::check);

    private CheckRun() {}

    static CompletionStage<StatusReport> run(List<StatusCheck> checks, Setup setup, Duration limit, Clock clock) {
        List<CompletableFuture<List<Finding>>> each = new ArrayList<>();
        for (StatusCheck check : checks) {
            CompletableFuture<List<Finding>> f;
            try {
                f = check.run(setup).toCompletableFuture();
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            each.add(f.orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS)
                    .exceptionally(e -> List.of(failed(check, e, limit))));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture<?>[]::new))
                .thenApply(v -> {
                    List<Finding> all = new ArrayList<>();
                    each.forEach(f -> all.addAll(f.join()));
                    all.sort(ORDER);
                    return new StatusReport(clock.instant(), all);
                });
    }

    private static Finding failed(StatusCheck check, Throwable e, Duration limit) {
        Throwable c = DnsAnswers.cause(e);
        String found = c instanceof TimeoutException
                ? "The check did not finish within "
                        + (limit.toMillis() < 1000 ? limit.toMillis() + " ms" : limit.toSeconds() + " s")
                : "The check failed: " + c;
        return Finding.error(
                check.name(), Finding.SERVER, found, "See karaf.log for the check's messages and run it again");
    }
}
