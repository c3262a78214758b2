package org.karavel.admin.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.karavel.admin.internal.InjectionRequest.Recipient;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;
import org.karavel.api.queue.SpoolFullException;

/**
 * The messages of one injection call, queued in groups: up to {@link #WINDOW} commits are handed to
 * the spool before the first is waited for, so its group commit puts many messages under one fsync
 * (the spool's {@code max_batch} per commit) while the next ones are being rendered. The first
 * failure of the spool (full, stopping, an I/O error) stops the call: what was queued stays queued
 * and is delivered, the rest is reported as not queued, so that a client retries only those.
 */
final class InjectionBatch {
    static final int WINDOW = 512;
    private static final long COMMIT_SECONDS = 60;

    /** A message handed to the spool whose commit is not settled yet. */
    private record Pending(Recipient recipient, long size, CompletableFuture<QueuedMessage> stage) {}

    private final Spool spool;
    private final MessageInjection injection;
    private final MailLog mailLog;
    private final AdminRequest request;
    private final ZonedDateTime now;
    private String[] queueIds;
    private String[] errors;
    private ApiError stoppedBy;

    InjectionBatch(Spool spool, MessageInjection injection, MailLog mailLog, AdminRequest request, ZonedDateTime now) {
        this.spool = spool;
        this.injection = injection;
        this.mailLog = mailLog;
        this.request = request;
        this.now = now;
    }

    /** Queues one message per recipient, with the header fields rendered beforehand. */
    InjectionBatch queue(InjectionRequest mailing, String[] headers) {
        int n = mailing.recipients().size();
        queueIds = new String[n];
        errors = new String[n];
        ArrayDeque<Pending> inFlight = new ArrayDeque<>();
        for (Recipient rc : mailing.recipients()) {
            if (stoppedBy != null) {
                errors[rc.index()] = "not queued: " + stoppedBy.code();
                continue;
            }
            try {
                inFlight.add(start(mailing, rc, headers[rc.index()]));
            } catch (ApiError e) {
                stoppedBy = e;
                errors[rc.index()] = e.getMessage();
            }
            while (inFlight.size() >= WINDOW) {
                settle(mailing, inFlight.poll());
            }
        }
        while (!inFlight.isEmpty()) {
            settle(mailing, inFlight.poll());
        }
        return this;
    }

    private Pending start(InjectionRequest mailing, Recipient rc, String header) {
        MessageDraft draft;
        try {
            draft = spool.create();
        } catch (SpoolFullException e) {
            throw spoolFull(e);
        } catch (IOException e) {
            throw new ApiError(503, "spool_unavailable", "the spool cannot take mail now: " + e.getMessage());
        }
        String id = draft.id().value();
        StringBuilder text = new StringBuilder(header.length() + 2048);
        text.append(injection.received(draft, request, List.of(rc.address()), now));
        if (!mailing.template().raw() || !has(header, "date:")) {
            text.append("Date: ").append(MessageInjection.DATE.format(now)).append("\r\n");
        }
        if (!mailing.template().raw() || !has(header, "message-id:")) {
            text.append("Message-ID: ").append(injection.messageId()).append("\r\n");
        }
        text.append(header).append(mailing.template().rest(rc.scopes(mailing.substitutions()), id));
        byte[] octets = text.toString().getBytes(StandardCharsets.UTF_8);
        Map<String, String> parameters = new LinkedHashMap<>();
        if (mailing.envelopeSender().needsSmtpUtf8() || rc.address().needsSmtpUtf8()) {
            parameters.put("SMTPUTF8", "");
        }
        parameters.put("BODY", octets.length == text.length() ? "7BIT" : "8BITMIME");
        Envelope envelope = new Envelope(
                mailing.envelopeSender(),
                List.of(rc.address()),
                parameters,
                now.toInstant(),
                request.clientIp(),
                "",
                "admin",
                request.user(),
                Origin.adminApi(request.user()));
        try {
            draft.write(octets);
        } catch (IOException e) {
            draft.abort();
            throw e instanceof SpoolFullException full
                    ? spoolFull(full)
                    : new ApiError(500, "spool_error", "the message could not be written: " + e.getMessage());
        }
        return new Pending(rc, octets.length, draft.commit(envelope).toCompletableFuture());
    }

    /** Waits for one commit: its queue id and mail log line, or the failure that stops the call. */
    private void settle(InjectionRequest mailing, Pending p) {
        int i = p.recipient().index();
        try {
            QueuedMessage q = p.stage().get(COMMIT_SECONDS, TimeUnit.SECONDS);
            queueIds[i] = q.id().value();
            mailLog.received(q.id(), mailing.envelopeSender(), p.size(), 1, request.clientIp(), request.user());
            mailLog.events().received(q.id(), q.envelope());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(new ApiError(503, "interrupted", "the server is stopping"));
        } catch (TimeoutException e) {
            stop(new ApiError(503, "timeout", "the spool did not commit within " + COMMIT_SECONDS + " s"));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            stop(
                    cause instanceof SpoolFullException full
                            ? spoolFull(full)
                            : new ApiError(500, "spool_error", "the message could not be queued: " + cause));
        }
        errors[i] = stoppedBy.getMessage();
    }

    private void stop(ApiError e) {
        if (stoppedBy == null) {
            stoppedBy = e;
        }
    }

    private static ApiError spoolFull(SpoolFullException e) {
        return new ApiError(
                503, "spool_full", "the spool has no room now: " + e.getMessage(), Map.of("Retry-After", "60"));
    }

    /** Whether a header section (CRLF lines) has a field of that name (lower case, with its colon). */
    private static boolean has(String header, String nameColon) {
        for (int start = 0; start < header.length(); ) {
            if (header.regionMatches(true, start, nameColon, 0, nameColon.length())) {
                return true;
            }
            int end = header.indexOf("\r\n", start);
            start = end < 0 ? header.length() : end + 2;
        }
        return false;
    }

    /**
     * 202 with one queue id per recipient when every message is queued; else the status of what
     * stopped the call, with the same lists: the messages queued (they will be delivered) and the
     * recipients that were not.
     */
    AdminResponse answer(InjectionRequest mailing, ObjectMapper json) {
        List<Map<String, Object>> messages = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Recipient rc : mailing.recipients()) {
            String id = queueIds[rc.index()];
            if (id != null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("recipient", rc.address().toString());
                m.put("queue_id", id);
                messages.add(m);
            } else {
                failed.add(rc.address().toString());
                failures.add("recipients[" + rc.index() + "]: " + errors[rc.index()]);
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (stoppedBy != null) {
            body.put("error", stoppedBy.code());
            body.put("message", stoppedBy.getMessage());
        }
        body.put("success_count", messages.size());
        body.put("fail_count", failed.size());
        body.put("messages", messages);
        body.put("failed_recipients", failed);
        body.put("errors", failures);
        AdminResponse plain = AdminResponse.json(json, stoppedBy == null ? 202 : stoppedBy.status(), body);
        return stoppedBy == null
                ? plain
                : new AdminResponse(plain.status(), plain.contentType(), plain.body(), stoppedBy.headers());
    }
}
