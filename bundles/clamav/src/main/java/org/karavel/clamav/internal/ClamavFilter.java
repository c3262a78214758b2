package org.karavel.clamav.internal;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.clamav.internal.ClamavSettings.FailMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clamav filter for one configuration: at end of message on the configured listeners, streams
 * the message to clamd on a scan thread and turns the answer into a verdict. It never blocks the
 * caller's thread and never refuses mail for clamd's own failures in fail mode {@code open}.
 */
final class ClamavFilter implements SmtpFilter {
    static final String HEADER = "X-Virus-Scanned";
    static final String CLEAN = "clamav";
    static final String UNAVAILABLE = "unscanned (clamd unavailable)";
    static final String TOO_LARGE = "unscanned (message too large)";

    private static final Logger LOG = LoggerFactory.getLogger(ClamavFilter.class);
    /** Signature names go into our reply: printable ASCII, bounded. */
    private static final int MAX_NAME = 100;

    private final ClamavSettings settings;
    private final Executor scanThreads;
    private final ClamavCounters counters;
    private final WarningInterval failureWarnings;
    private final WarningInterval sizeWarnings;

    ClamavFilter(
            ClamavSettings settings,
            Executor scanThreads,
            ClamavCounters counters,
            WarningInterval failureWarnings,
            WarningInterval sizeWarnings) {
        this.settings = settings;
        this.scanThreads = scanThreads;
        this.counters = counters;
        this.failureWarnings = failureWarnings;
        this.sizeWarnings = sizeWarnings;
    }

    ClamavSettings settings() {
        return settings;
    }

    @Override
    public CompletionStage<Verdict> endOfMessage(SessionView session, EnvelopeView envelope, MessageView message) {
        if (!settings.listeners().contains(session.listenerName())) {
            return Verdict.noOpinion().stage();
        }
        if (message.size() > settings.maxSize()) {
            counters.tooLarge();
            LOG.debug(
                    "{}: clamav: message of {} octets not scanned (max_size {})",
                    session.sessionId(),
                    message.size(),
                    settings.maxSize());
            return marked(message, TOO_LARGE).stage();
        }
        ClamdCall<ClamdReply> scan = ClamdCall.scan(settings.address(), message);
        CompletableFuture<ClamdReply> reply = scan.start(scanThreads, settings.timeout());
        return reply.handle((answer, failure) -> failure == null
                ? verdict(session, envelope, message, answer, scan.nanos())
                : failed(session, message, failure));
    }

    private Verdict verdict(
            SessionView session, EnvelopeView envelope, MessageView message, ClamdReply answer, long nanos) {
        switch (answer.kind()) {
            case CLEAN:
                counters.scanned(nanos, false);
                return marked(message, CLEAN);
            case FOUND:
                counters.scanned(nanos, true);
                String name = printable(answer.signature());
                LOG.info(
                        "{}: clamav: virus {} found in a message from {} ({}), <{}>: rejected",
                        session.sessionId(),
                        name,
                        client(session),
                        session.listenerName(),
                        envelope.sender());
                return Verdict.reject(554, "5.7.1", "Message rejected: virus found (" + name + ")");
            case TOO_LARGE:
                counters.tooLarge();
                long heldBack = sizeWarnings.due();
                if (heldBack != WarningInterval.NOT_DUE) {
                    LOG.warn(
                            "clamav: clamd refused a message of {} octets as over its StreamMaxLength; it passed "
                                    + "unscanned. Set max_size at or below clamd's StreamMaxLength{}",
                            message.size(),
                            heldBack == 0 ? "" : " (" + heldBack + " more since the last warning)");
                }
                return marked(message, TOO_LARGE);
            default:
                return failed(session, message, new ClamdAnswerException(printable(answer.text())));
        }
    }

    private Verdict failed(SessionView session, MessageView message, Throwable failure) {
        counters.failure();
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        String why = cause instanceof TimeoutException
                ? "no answer within " + settings.timeout().toMillis() + " ms"
                : cause.toString();
        long heldBack = failureWarnings.due();
        if (heldBack != WarningInterval.NOT_DUE) {
            LOG.warn(
                    "clamav: clamd at {} failed ({}); messages {} until it answers. At most one such warning a "
                            + "minute{}",
                    settings.address(),
                    why,
                    settings.failMode() == FailMode.OPEN ? "pass unscanned" : "are deferred",
                    heldBack == 0 ? "" : "; " + heldBack + " more failures since the last one");
        }
        LOG.debug("{}: clamav: scan failed: {}", session.sessionId(), why);
        if (settings.failMode() == FailMode.CLOSED) {
            return Verdict.defer(451, "4.7.1", "Virus scan unavailable, try again later");
        }
        return marked(message, UNAVAILABLE);
    }

    /**
     * No opinion, with our header and without any {@code X-Virus-Scanned} field the message came
     * with: a sender must not be able to mark an unscanned message as scanned.
     */
    static Verdict marked(MessageView message, String value) {
        Verdict v = Verdict.noOpinion();
        List<Verdict.Header> received = message.headers();
        for (int i = 0; i < received.size(); i++) {
            if (HEADER.equalsIgnoreCase(received.get(i).name())) {
                v = v.withHeaderRemoved(i);
            }
        }
        return v.withHeader(HEADER, value);
    }

    private static String client(SessionView session) {
        InetSocketAddress a = session.clientAddress();
        return a == null || a.getAddress() == null ? "?" : a.getAddress().getHostAddress();
    }

    /** A name or answer from clamd made safe for a reply or a log line. */
    static String printable(String s) {
        String t = s == null ? "" : s.replaceAll("[^ -~]", "_");
        return t.length() > MAX_NAME ? t.substring(0, MAX_NAME) : t;
    }

    /** clamd answered with an error or something this client does not understand. */
    static final class ClamdAnswerException extends Exception {
        private static final long serialVersionUID = 1L;

        ClamdAnswerException(String answer) {
            super("clamd answered: " + answer);
        }
    }
}
