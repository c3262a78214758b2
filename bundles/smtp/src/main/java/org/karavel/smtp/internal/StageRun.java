package org.karavel.smtp.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the filters at one stage, in order, until one gives a final verdict.
 *
 * <p>Filters are called on a worker thread, never on a network thread: a filter that blocks
 * (against the SPI's advice) then holds one worker, not every session of an I/O processor.
 * Each filter has a time limit that runs from the moment it is called, so even a filter that
 * blocks inside its call yields {@code 451 4.3.0} in time; its late answer is ignored.
 */
final class StageRun {
    private static final Logger LOG = LoggerFactory.getLogger(StageRun.class);
    private static final String TIMED_OUT = "did not answer within ";

    private final List<FilterEntry> entries;
    private final String stage;
    private final String sessionId;
    private final Function<SmtpFilter, CompletionStage<Verdict>> call;
    private final long defaultTimeoutMillis;
    private final Executor worker;
    private final ScheduledExecutorService timer;
    private final CompletableFuture<StageResult> result = new CompletableFuture<>();
    private final List<Verdict.Header> headers = new ArrayList<>();
    private final Set<Integer> removed = new HashSet<>();
    private int index;
    private BiConsumer<String, Boolean> failures = (filter, timeout) -> {};

    private StageRun(
            List<FilterEntry> entries,
            String stage,
            String sessionId,
            Function<SmtpFilter, CompletionStage<Verdict>> call,
            long defaultTimeoutMillis,
            Executor worker,
            ScheduledExecutorService timer) {
        this.entries = entries;
        this.stage = stage;
        this.sessionId = sessionId;
        this.call = call;
        this.defaultTimeoutMillis = defaultTimeoutMillis;
        this.worker = worker;
        this.timer = timer;
    }

    /**
     * Runs a stage. Completes at once with PASS when there are no filters; otherwise on a worker
     * or timer thread.
     */
    static CompletableFuture<StageResult> run(
            List<FilterEntry> entries,
            String stage,
            String sessionId,
            Function<SmtpFilter, CompletionStage<Verdict>> call,
            long defaultTimeoutMillis,
            Executor worker,
            ScheduledExecutorService timer) {
        if (entries.isEmpty()) {
            return CompletableFuture.completedFuture(StageResult.PASS);
        }
        return run(entries, stage, sessionId, call, defaultTimeoutMillis, worker, timer, (filter, timeout) -> {});
    }

    /** As above; {@code failures} hears of each filter that failed (false) or timed out (true). */
    static CompletableFuture<StageResult> run(
            List<FilterEntry> entries,
            String stage,
            String sessionId,
            Function<SmtpFilter, CompletionStage<Verdict>> call,
            long defaultTimeoutMillis,
            Executor worker,
            ScheduledExecutorService timer,
            BiConsumer<String, Boolean> failures) {
        if (entries.isEmpty()) {
            return CompletableFuture.completedFuture(StageResult.PASS);
        }
        StageRun run = new StageRun(entries, stage, sessionId, call, defaultTimeoutMillis, worker, timer);
        run.failures = failures;
        worker.execute(run::next);
        return run.result;
    }

    private void next() {
        while (index < entries.size()) {
            if (result.isDone()) {
                return;
            }
            FilterEntry entry = entries.get(index);
            long limit = entry.timeoutMillis() > 0 ? entry.timeoutMillis() : defaultTimeoutMillis;
            ScheduledFuture<?> timeout =
                    timer.schedule(() -> fail(entry, TIMED_OUT + limit + " ms", null), limit, TimeUnit.MILLISECONDS);
            CompletableFuture<Verdict> answer = new CompletableFuture<>();
            try {
                CompletionStage<Verdict> stageOfFilter = call.apply(entry.filter());
                if (stageOfFilter == null) {
                    throw new NullPointerException("the filter returned null instead of a stage");
                }
                stageOfFilter.whenComplete((v, x) -> {
                    if (x != null) {
                        answer.completeExceptionally(x);
                    } else {
                        answer.complete(v);
                    }
                });
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                answer.completeExceptionally(e);
            }
            if (!answer.isDone()) {
                answer.whenComplete((v, x) -> worker.execute(() -> {
                    timeout.cancel(false);
                    if (take(entry, v, x)) {
                        index++;
                        next();
                    }
                }));
                return;
            }
            timeout.cancel(false);
            Verdict verdict = null;
            Throwable failure = null;
            try {
                verdict = answer.join();
            } catch (CompletionException e) {
                failure = e.getCause();
            }
            if (!take(entry, verdict, failure)) {
                return;
            }
            index++;
        }
        result.complete(new StageResult(StageResult.Outcome.PASS, null, null, headers, removed));
    }

    /** Takes one filter's answer; true when the next filter is to be asked. */
    private boolean take(FilterEntry entry, Verdict verdict, Throwable failure) {
        if (result.isDone()) {
            return false; // it ran out of time meanwhile
        }
        if (failure != null) {
            fail(entry, "failed", failure);
            return false;
        }
        if (verdict == null) {
            fail(entry, "returned no verdict", null);
            return false;
        }
        headers.addAll(verdict.headers());
        removed.addAll(verdict.removedHeaders());
        switch (verdict.kind()) {
            case NO_OPINION:
                return true;
            case ACCEPT:
                result.complete(new StageResult(StageResult.Outcome.PASS, null, entry.name(), headers, removed));
                return false;
            default:
                result.complete(
                        new StageResult(StageResult.Outcome.REFUSED, verdict, entry.name(), List.of(), Set.of()));
                return false;
        }
    }

    private void fail(FilterEntry entry, String what, Throwable cause) {
        Throwable c = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        if (result.complete(new StageResult(StageResult.Outcome.FAILED, null, entry.name(), List.of(), Set.of()))) {
            failures.accept(entry.name(), what.startsWith(TIMED_OUT));
            if (c == null) {
                LOG.warn(
                        "Filter '{}' {} at {} (session {}); answering 451 4.3.0 for this stage",
                        entry.name(),
                        what,
                        stage,
                        sessionId);
            } else {
                LOG.warn(
                        "Filter '{}' {} at {} (session {}): {}; answering 451 4.3.0 for this stage",
                        entry.name(),
                        what,
                        stage,
                        sessionId,
                        c.toString(),
                        c);
            }
        }
    }
}
