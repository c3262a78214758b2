package org.karavel.smtp.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.queue.QueueId;

/**
 * The filter chain as one session asks it: a stage at a time (CONNECT, HELO/EHLO, MAIL, RCPT,
 * END-OF-MESSAGE) on worker threads, the session waiting meanwhile; and a refusal answered, logged
 * in the mail log and counted. {@link StageRun} runs the filters of one stage.
 */
final class FilterStages {
    private final SmtpSession session;
    private final SmtpListener listener;
    private final ListenerSettings settings;

    FilterStages(SmtpSession session) {
        this.session = session;
        this.listener = session.listener;
        this.settings = session.settings;
    }

    /** Asks the filters at {@code stage}; {@code then} gets the result under the session's lock. */
    void run(String stage, Function<SmtpFilter, CompletionStage<Verdict>> call, Consumer<StageResult> then) {
        CompletableFuture<StageResult> result = StageRun.run(
                listener.filters().entries(),
                stage,
                session.id(),
                call,
                settings.filterTimeoutMillis(),
                listener.worker(),
                listener.timer(),
                listener.counters()::filterFailure);
        session.await(
                result,
                (r, failure) -> then.accept(
                        failure == null
                                ? r
                                : new StageResult(StageResult.Outcome.FAILED, null, "(internal)", List.of(), Set.of())),
                false);
    }

    /** Answers a refusal or failure of the filter chain (a failure is ours: 451, not counted). */
    void refuse(String stage, StageResult result, QueueId id, MailAddress from, MailAddress to) {
        if (result.outcome() == StageResult.Outcome.FAILED) {
            listener.counters().rejected(settings.name(), "filter_error");
            session.reply(Replies.FILTER_FAILURE); // our fault, not the client's: not counted
            return;
        }
        Verdict v = result.verdict();
        Reply r = Reply.of(v.code(), v.enhancedCode(), v.text());
        String helo = session.greeting.name();
        listener.mailLog()
                .reject(
                        id,
                        stage,
                        session.clientIp,
                        r,
                        from,
                        to,
                        helo == null ? session.view.heloName().orElse(null) : helo);
        listener.counters().rejected(settings.name(), result.filterName());
        session.error(r);
    }
}
