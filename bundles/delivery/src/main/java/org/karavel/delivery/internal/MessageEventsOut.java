package org.karavel.delivery.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.karavel.api.events.MessageEvent;
import org.karavel.api.events.MessageEvents;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.delivery.internal.DeliveryStatusNotification.FailedRecipient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery's message events (delivered, deferred, bounced, expired, tls_failure, dsn_sent), handed
 * to the events service when one runs. Called beside the mail log's lines, before the spool records
 * the attempt: that record waits for the events' group commit (without a thread waiting), so a
 * crash in between repeats the event rather than losing it.
 */
final class MessageEventsOut {
    private static final Logger LOG = LoggerFactory.getLogger(MessageEventsOut.class);
    static final MessageEventsOut NONE = new MessageEventsOut(() -> null);

    private final Supplier<MessageEvents> events;

    MessageEventsOut(Supplier<MessageEvents> events) {
        this.events = events;
    }

    /** The events of one attempt, published together by {@link Attempt#publish} (one wait for them all). */
    Attempt attempt() {
        return new Attempt();
    }

    final class Attempt {
        private final List<MessageEvent> pending = new ArrayList<>();

        /**
         * One recipient's result as logged; {@code expired} when a deferral past the queue lifetime
         * became the bounce. A failure classified {@code tls_failure} is also a {@code tls_failure} event.
         */
        void result(QueuedMessage m, RecipientResult r, int attempts, BounceCategory category, boolean expired) {
            pending.addAll(events(m, r, attempts, category, expired));
        }

        /**
         * Hands the events over without waiting; the stage completes (never exceptionally) once they
         * are stored, so the caller records the attempt after them.
         */
        CompletionStage<Void> publish() {
            List<MessageEvent> list = List.copyOf(pending);
            pending.clear();
            MessageEvents out = events.get();
            if (out == null || list.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            try {
                return out.publishAllAsync(list).exceptionally(x -> notPublished(list, x));
            } catch (RuntimeException x) {
                return CompletableFuture.completedFuture(notPublished(list, x));
            }
        }
    }

    /** One recipient's result, published on its own. */
    void result(QueuedMessage m, RecipientResult r, int attempts, BounceCategory category, boolean expired) {
        publishAll(events(m, r, attempts, category, expired));
    }

    private static List<MessageEvent> events(
            QueuedMessage m, RecipientResult r, int attempts, BounceCategory category, boolean expired) {
        List<MessageEvent> out = new ArrayList<>(2);
        MessageEvent.Type type = switch (r.outcome()) {
            case DELIVERED -> MessageEvent.Type.DELIVERED;
            case DEFERRED -> MessageEvent.Type.DEFERRED;
            case BOUNCED -> expired ? MessageEvent.Type.EXPIRED : MessageEvent.Type.BOUNCED;
        };
        String word = category == null ? "" : category.word();
        String relay = r.relay() == null || r.relay().equals(MailLogLine.RELAY_NONE) ? "" : r.relay();
        out.add(recipient(type, r.at(), m, r.recipient().toString(), orcpt(m, r))
                .withOutcome(relay, r.reply(), word, attempts));
        if (category == BounceCategory.TLS_FAILURE) {
            out.add(recipient(
                            MessageEvent.Type.TLS_FAILURE,
                            r.at(),
                            m,
                            r.recipient().toString(),
                            orcpt(m, r))
                    .withOutcome(relay, r.reply(), word, attempts));
        }
        return out;
    }

    /** The operator bounced a pending recipient ({@code mta:queue-bounce}, the admin API). */
    void bouncedByOperator(QueuedMessage m, FailedRecipient r) {
        publish(recipient(
                        MessageEvent.Type.BOUNCED,
                        r.lastAttempt(),
                        m,
                        r.recipient().toString(),
                        "")
                .withOutcome("", r.reply(), BounceCategory.OTHER.word(), m.attempts()));
    }

    /** A DSN about these recipients was queued to the sender, as message {@code dsnId}. */
    void dsnSent(QueuedMessage m, List<FailedRecipient> failed, QueueId dsnId) {
        List<String> recipients =
                failed.stream().map(f -> f.recipient().toString()).toList();
        publish(MessageEvent.of(MessageEvent.Type.DSN_SENT, Instant.now(), m.id().toString())
                .withEnvelope(m.envelope().sender().toString(), recipients, listener(m), client(m), user(m))
                .withOutcome("", "DSN queued as " + dsnId, "", m.attempts())
                .withDsn(envid(m), ""));
    }

    private static MessageEvent recipient(
            MessageEvent.Type type, Instant at, QueuedMessage m, String recipient, String orcpt) {
        return MessageEvent.of(type, at == null ? Instant.now() : at, m.id().toString())
                .withEnvelope(m.envelope().sender().toString(), List.of(recipient), listener(m), client(m), user(m))
                .withDsn(envid(m), orcpt);
    }

    private static String envid(QueuedMessage m) {
        return m.envelope().mailParameters().getOrDefault("ENVID", "");
    }

    /** The client's ORCPT for this recipient ({@code type;address}), empty when it gave none. */
    private static String orcpt(QueuedMessage m, RecipientResult r) {
        return m.envelope().dsnRequest(r.recipient()).originalRecipient();
    }

    private static String listener(QueuedMessage m) {
        return m.envelope().listenerName();
    }

    private static String client(QueuedMessage m) {
        return m.envelope().clientAddress();
    }

    private static String user(QueuedMessage m) {
        return m.envelope().authenticatedUser();
    }

    private static Void notPublished(List<MessageEvent> list, Throwable x) {
        // the events are news for applications; the delivery's record goes on regardless
        LOG.warn("{}: {} event(s) not published: {}", list.get(0).queueId(), list.size(), x.toString());
        return null;
    }

    private void publish(MessageEvent e) {
        publishAll(List.of(e));
    }

    private void publishAll(List<MessageEvent> list) {
        MessageEvents out = events.get();
        if (out == null || list.isEmpty()) {
            return;
        }
        try {
            out.publishAll(list);
        } catch (RuntimeException x) {
            // the events are news for applications; the delivery's record goes on regardless
            LOG.warn("{}: {} event(s) not published: {}", list.get(0).queueId(), list.size(), x.toString());
        }
    }
}
