package org.karavel.admin.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuePage;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/v1/queue/...} and {@code POST /api/v1/messages}: the queue's summary and messages,
 * flush, delete and bounce, and a message handed in for delivery.
 */
final class QueueEndpoints {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 10_000;
    static final int MAX_REASON = 500;
    private static final Logger LOG = LoggerFactory.getLogger(QueueEndpoints.class);
    private static final long BOUNCE_SECONDS = 30;

    private final AdminServices services;
    private final MessageInjection injection;
    private final MailLog mailLog;
    private final long maxContentBytes;
    private final Supplier<Instant> clock;
    private final ObjectMapper json;

    QueueEndpoints(
            AdminServices services,
            MessageInjection injection,
            MailLog mailLog,
            long maxContentBytes,
            Supplier<Instant> clock,
            ObjectMapper json) {
        this.services = services;
        this.injection = injection;
        this.mailLog = mailLog;
        this.maxContentBytes = maxContentBytes;
        this.clock = clock;
        this.json = json;
    }

    /** {@code POST /api/v1/messages}: the queue id of the message handed in. */
    Map<String, Object> inject(AdminRequest r) {
        QueuedMessage q = injection.inject(spool(), body(r), r);
        return Map.of("queueId", q.id().value());
    }

    /** What the summary counts for one recipient domain. */
    private static final class DomainTally {
        int messages;
        int recipients;
        Instant oldest;
    }

    private static void tally(Map<String, DomainTally> byDomain, String domain, int recipients, Instant received) {
        DomainTally t = byDomain.computeIfAbsent(domain, d -> new DomainTally());
        t.messages++;
        t.recipients += recipients;
        if (t.oldest == null || received.isBefore(t.oldest)) {
            t.oldest = received;
        }
    }

    /** {@code GET /api/v1/queue/summary}: pending recipients by domain, the oldest age, suspension. */
    Map<String, Object> summary() {
        Spool spool = spool();
        DeliveryControl control = services.deliveryControl;
        Instant now = clock.get();
        Map<String, DomainTally> byDomain = new TreeMap<>();
        // from the spool's index: no message record is read, so a million queued cost well under a second
        spool.forEachPending((received, pendingDomains) -> {
            if (pendingDomains.size() == 1) {
                // the common case, without a map per message
                tally(byDomain, domainKey(pendingDomains.get(0)), 1, received);
                return;
            }
            Map<String, Integer> pendingHere = new LinkedHashMap<>();
            for (String d : pendingDomains) {
                pendingHere.merge(domainKey(d), 1, Integer::sum);
            }
            pendingHere.forEach((domain, count) -> tally(byDomain, domain, count, received));
        });
        Set<String> suspended = control == null ? Set.of() : control.suspendedDomains();
        for (String d : suspended) {
            byDomain.computeIfAbsent(d, x -> new DomainTally());
        }
        List<Map<String, Object>> domains = new ArrayList<>();
        byDomain.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<String, DomainTally> e) -> -e.getValue().recipients)
                        .thenComparing(Map.Entry::getKey))
                .forEach(e -> {
                    DomainTally t = e.getValue();
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("domain", e.getKey());
                    row.put("messages", t.messages);
                    row.put("recipients", t.recipients);
                    row.put(
                            "oldestAgeSeconds",
                            t.oldest == null
                                    ? null
                                    : Math.max(
                                            0, Duration.between(t.oldest, now).toSeconds()));
                    // null when delivery control is absent: unknown, not "not suspended"
                    row.put("suspended", control == null ? null : suspended.contains(e.getKey()));
                    domains.add(row);
                });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("messages", spool.size());
        out.put("deliveryControl", control != null);
        out.put("domains", domains);
        return out;
    }

    /**
     * {@code GET /api/v1/queue/messages[?domain=&limit=&after=]}: one page, oldest first, from the
     * spool's index (only the page's records are read); {@code next} is the {@code after} of the
     * following page, null on the last. {@code domain}: messages with a pending recipient there.
     */
    Map<String, Object> list(AdminRequest r) {
        String domain = r.query().get("domain");
        String wanted = domain == null || domain.isBlank() ? null : DomainEndpoints.domain(domain);
        int limit = limit(r.query().get("limit"));
        String afterText = r.query().get("after");
        QueueId after = afterText == null || afterText.isBlank() ? null : queueId(afterText);
        QueuePage page = spool().page(after, wanted, limit);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (QueuedMessage m : page.messages()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", m.id().value());
            row.put("from", m.envelope().sender().toString());
            row.put(
                    "to",
                    m.recipients().stream().map(s -> s.recipient().toString()).toList());
            row.put("pending", m.pending().size());
            row.put("size", m.size());
            row.put("receivedAt", m.envelope().receivedAt().toString());
            row.put("attempts", m.attempts());
            row.put("nextAttempt", m.nextAttempt().toString());
            rows.add(row);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total", page.total());
        out.put("returned", rows.size());
        out.put("messages", rows);
        out.put("next", page.next() == null ? null : page.next().value());
        return out;
    }

    /** {@code GET /api/v1/queue/messages/<id>[?body=true]}: envelope, recipients, optionally the content. */
    Map<String, Object> message(AdminRequest r, String idText) {
        QueueId id = queueId(idText);
        Spool spool = spool();
        QueuedMessage m = spool.get(id).orElseThrow(() -> ApiError.notFound("no message " + id + " in the queue"));
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("from", m.envelope().sender().toString());
        envelope.put(
                "to",
                m.envelope().recipients().stream().map(MailAddress::toString).toList());
        envelope.put("mailParameters", new TreeMap<>(m.envelope().mailParameters()));
        envelope.put("receivedAt", m.envelope().receivedAt().toString());
        envelope.put("client", m.envelope().clientAddress());
        envelope.put("helo", m.envelope().heloName());
        envelope.put("listener", m.envelope().listenerName());
        envelope.put("authenticatedUser", m.envelope().authenticatedUser());
        envelope.put("origin", m.envelope().origin().toString());
        List<Map<String, Object>> recipients = new ArrayList<>();
        // the bounce category of the last failure, as delivery's rules give it; empty without delivery
        DeliveryControl control = services.deliveryControl;
        for (RecipientStatus s : m.recipients()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("address", s.recipient().toString());
            row.put("state", s.state().name().toLowerCase(Locale.ROOT));
            row.put("lastReply", s.lastReply());
            row.put("remoteHost", s.remoteHost());
            row.put("category", control == null ? "" : control.failureCategory(s));
            // the traffic-shaping site of the domain, as delivery last learnt it; empty when not known
            row.put("site", control == null ? "" : control.siteOf(s.recipient().domainKey()));
            recipients.add(row);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", m.id().value());
        out.put("envelope", envelope);
        out.put("recipients", recipients);
        out.put("size", m.size());
        out.put("attempts", m.attempts());
        out.put("nextAttempt", m.nextAttempt().toString());
        out.put("bounced", m.bounced());
        if (Boolean.parseBoolean(r.query().getOrDefault("body", "false"))) {
            try (InputStream in = spool.openContent(id)) {
                byte[] content = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, maxContentBytes));
                boolean more = in.read() >= 0;
                out.put("content", new String(content, StandardCharsets.UTF_8));
                out.put("contentTruncated", more);
            } catch (IOException e) {
                // removed between get and open, most likely: delivered meanwhile
                throw ApiError.notFound("the content of " + id + " cannot be read: " + e.getMessage());
            }
        }
        return out;
    }

    /** {@code POST /api/v1/queue/messages/<id>/flush}: retry now. */
    Map<String, Object> flushMessage(String idText) {
        QueueId id = queueId(idText);
        if (!spool().flush(id)) {
            throw ApiError.notFound("no message " + id + " in the queue");
        }
        return Map.of("queueId", id.value(), "flushed", true);
    }

    /** {@code POST /api/v1/queue/flush[?domain=]}: retry everything, or one domain, now. */
    Map<String, Object> flush(AdminRequest r) {
        String domain = r.query().get("domain");
        if (domain == null || domain.isBlank()) {
            int n = spool().flushAll();
            LOG.info("admin: queue flushed ({} messages) by {} from [{}]", n, r.who(), r.clientIp());
            return Map.of("flushed", n);
        }
        String d = DomainEndpoints.domain(domain);
        int n = control().flushDomain(d);
        LOG.info("admin: queue for {} flushed ({} messages) by {} from [{}]", d, n, r.who(), r.clientIp());
        return Map.of("domain", d, "flushed", n);
    }

    /** {@code DELETE /api/v1/queue/messages/<id>}: removed without notice. */
    Map<String, Object> delete(AdminRequest r, String idText) {
        QueueId id = queueId(idText);
        boolean removed = await(spool().remove(id).toCompletableFuture(), "the spool");
        if (!removed) {
            throw ApiError.notFound("no message " + id + " in the queue");
        }
        mailLog.removed(id, r.clientIp(), r.who());
        return Map.of("queueId", id.value(), "deleted", true);
    }

    /** {@code POST /api/v1/queue/messages/<id>/bounce}: a DSN with the reason given, then removed. */
    Map<String, Object> bounce(AdminRequest r, String idText) {
        QueueId id = queueId(idText);
        String reason = "Message removed from the queue by the postmaster";
        if (r.body().length > 0) {
            JsonNode node = body(r);
            JsonNode given = node.get("reason");
            if (given != null && !given.isNull()) {
                if (!given.isTextual() || given.asText().isBlank()) {
                    throw ApiError.badRequest("reason must be a non-empty string");
                }
                reason = given.asText().strip();
            }
        }
        if (reason.length() > MAX_REASON || reason.chars().anyMatch(c -> c < 32 || c == 127)) {
            throw ApiError.badRequest("reason must be one line of at most " + MAX_REASON + " characters");
        }
        DeliveryControl control = control();
        boolean bounced = await(control.bounce(id, reason).toCompletableFuture(), "delivery");
        if (!bounced) {
            throw ApiError.notFound("no message " + id + " in the queue");
        }
        LOG.info("admin: {} bounced by {} from [{}]: {}", id, r.who(), r.clientIp(), reason);
        return Map.of("queueId", id.value(), "bounced", true);
    }

    private Spool spool() {
        return services.availableSpool();
    }

    private DeliveryControl control() {
        return services.availableDeliveryControl();
    }

    private JsonNode body(AdminRequest r) {
        if (r.body().length == 0) {
            throw ApiError.badRequest("a JSON body is required");
        }
        try {
            return json.readTree(r.body());
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiError.badRequest("the body cannot be read: " + e.getMessage());
        }
    }

    private static QueueId queueId(String text) {
        try {
            return new QueueId(text);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("not a queue id: " + text);
        }
    }

    private static String domainKey(MailAddress a) {
        return domainKey(a.domainKey());
    }

    private static String domainKey(String d) {
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    private static int limit(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(text.strip());
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest("limit must be 1-" + MAX_LIMIT);
    }

    private static <T> T await(CompletableFuture<T> stage, String what) {
        try {
            return stage.get(BOUNCE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "interrupted", "the server is stopping");
        } catch (TimeoutException e) {
            throw new ApiError(503, "timeout", what + " did not answer in " + BOUNCE_SECONDS + " s");
        } catch (ExecutionException e) {
            throw new ApiError(500, "internal_error", what + " failed: " + e.getCause());
        }
    }
}
