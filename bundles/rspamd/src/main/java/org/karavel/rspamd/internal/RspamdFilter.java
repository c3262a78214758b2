package org.karavel.rspamd.internal;

import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end-of-message scan: one {@code /checkv2} per message on a scanned listener, its action made
 * a verdict. Rspamd's answer is awaited by composing the HTTP client's stage, never by blocking.
 * Anything that keeps Rspamd from answering (refused connection, time limit, a status other than
 * 200, something that is not its JSON) is a failure, and the fail mode decides.
 */
final class RspamdFilter {
    private static final Logger LOG = LoggerFactory.getLogger(RspamdFilter.class);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final RspamdSettings settings;
    private final HttpClient client;
    private final RspamdCounters counters;
    /** When the last failure WARN was logged (nanoTime), shared across configurations. */
    private final AtomicLong lastWarning;

    RspamdFilter(RspamdSettings settings, HttpClient client, RspamdCounters counters, AtomicLong lastWarning) {
        this.settings = settings;
        this.client = client;
        this.counters = counters;
        this.lastWarning = lastWarning;
    }

    RspamdSettings settings() {
        return settings;
    }

    CompletionStage<Verdict> endOfMessage(SessionView session, EnvelopeView envelope, MessageView message) {
        if (!settings.scans(session)) {
            return Verdict.noOpinion().stage();
        }
        Verdict unmarked = SpamHeaders.withoutReceived(Verdict.noOpinion(), message);
        if (settings.maxSize() > 0 && message.size() > settings.maxSize()) {
            counters.unscanned("too_large");
            return unmarked.withHeader(SpamHeaders.STATUS, "unscanned (larger than max_size)")
                    .stage();
        }
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> sent;
        try {
            sent = client.sendAsync(
                            CheckRequest.build(settings, session, envelope, message),
                            HttpResponse.BodyHandlers.ofByteArray())
                    .orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            return failed(session, unmarked, "request", e.toString()).stage();
        }
        return sent.handle((response, failure) -> {
            try {
                return failure != null
                        ? failed(session, unmarked, reason(failure), describe(failure))
                        : answered(session, message, unmarked, response, start);
            } catch (RuntimeException e) {
                // a verdict is always given: an exception here would be a 4.3.0 without the fail mode
                return failed(session, unmarked, "garbage", e.toString());
            }
        });
    }

    private Verdict answered(
            SessionView session, MessageView message, Verdict unmarked, HttpResponse<byte[]> response, long start) {
        if (response.statusCode() != 200) {
            return failed(session, unmarked, "status", "HTTP status " + response.statusCode());
        }
        RspamdAnswer answer;
        try {
            answer = RspamdAnswer.parse(response.body());
        } catch (IllegalArgumentException e) {
            return failed(session, unmarked, "garbage", e.getMessage());
        }
        counters.scanned(answer.action(), answer.score());
        LOG.debug(
                "{}: rspamd: {} score {} / {} in {} ms",
                session.sessionId(),
                answer.action(),
                answer.score(),
                answer.requiredScore(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return verdict(answer, message, unmarked);
    }

    /** Rspamd's action as a verdict; the actions that mark mail never refuse it. */
    static Verdict verdict(RspamdAnswer answer, MessageView message, Verdict unmarked) {
        Verdict scored = unmarked.withHeader(SpamHeaders.RESULT, SpamHeaders.result(answer));
        return switch (answer.action()) {
            case "reject" ->
                Verdict.reject(
                        554, "5.7.1", SpamHeaders.replyText(answer.smtpMessage().orElse("Spam message rejected")));
            case "soft reject", "greylist" ->
                Verdict.defer(
                        451, "4.7.1", SpamHeaders.replyText(answer.smtpMessage().orElse("Try again later")));
            case "rewrite subject" ->
                answer.subject()
                        .map(s -> SpamHeaders.withSubject(scored, message, s))
                        .orElse(scored)
                        .withHeader(SpamHeaders.SPAM, "Yes");
            case "no action" -> scored;
            // add header, and discard or quarantine, which an MTA without a quarantine only marks
            default -> scored.withHeader(SpamHeaders.SPAM, "Yes");
        };
    }

    private Verdict failed(SessionView session, Verdict unmarked, String reason, String detail) {
        counters.failure(reason);
        boolean open = settings.failMode() == RspamdSettings.FailMode.OPEN;
        long now = System.nanoTime();
        long last = lastWarning.get();
        if ((last == 0 || now - last >= WARN_INTERVAL_NANOS) && lastWarning.compareAndSet(last, now == 0 ? 1 : now)) {
            counters.failureWarning();
            LOG.warn(
                    "{}: rspamd at {} did not scan the message ({}: {}); fail_mode={}: messages are {} (this warning "
                            + "at most once a minute; see karavel_rspamd_failures_total)",
                    session.sessionId(),
                    settings.checkUri(),
                    reason,
                    detail,
                    open ? "open" : "closed",
                    open ? "accepted unscanned" : "refused with 451 4.7.1");
        } else {
            LOG.debug("{}: rspamd did not scan the message ({}: {})", session.sessionId(), reason, detail);
        }
        if (!open) {
            return Verdict.defer(451, "4.7.1", "Content scanner unavailable, try again later");
        }
        counters.unscanned("fail_open");
        return unmarked.withHeader(SpamHeaders.STATUS, "unscanned (rspamd " + reason + ")");
    }

    static String reason(Throwable failure) {
        Throwable t =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (t instanceof HttpTimeoutException || t instanceof TimeoutException) {
            return "timeout";
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return "unreachable";
            }
            if (c instanceof ProtocolException) {
                return "garbage";
            }
        }
        return "io";
    }

    private static String describe(Throwable failure) {
        Throwable t =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : " " + t.getMessage());
    }
}
