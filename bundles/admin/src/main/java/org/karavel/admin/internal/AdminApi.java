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
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.health.HealthCheck;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints: {@code /api/v1/...} (JSON), {@code /metrics} (Prometheus text) and {@code /health}.
 * A request reaches this class only once it is admitted (trusted client or admin user); each
 * endpoint reads the services present at that moment and answers 503 for one that is not.
 */
final class AdminApi {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 10_000;
    static final int MAX_REASON = 500;
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
    private static final long BOUNCE_SECONDS = 30;

    private final AdminServices services;
    private final AdminMetrics metrics;
    private final MessageInjection injection;
    private final MailLog mailLog;
    private final long maxContentBytes;
    private final Supplier<Instant> clock;
    private final ObjectMapper json = new ObjectMapper();

    AdminApi(
            AdminServices services,
            AdminMetrics metrics,
            MessageInjection injection,
            MailLog mailLog,
            long maxContentBytes,
            Supplier<Instant> clock) {
        this.services = services;
        this.metrics = metrics;
        this.injection = injection;
        this.mailLog = mailLog;
        this.maxContentBytes = maxContentBytes;
        this.clock = clock;
    }

    ObjectMapper json() {
        return json;
    }

    AdminResponse handle(AdminRequest r) {
        List<String> p = r.segments();
        if (p.size() == 1 && p.get(0).equals("metrics")) {
            method(r, "GET");
            return AdminResponse.text(200, PrometheusText.CONTENT_TYPE, prometheus());
        }
        if (p.size() == 1 && p.get(0).equals("health")) {
            method(r, "GET");
            return health();
        }
        if (p.size() < 3 || !p.get(0).equals("api") || !p.get(1).equals("v1")) {
            throw ApiError.notFound("no such endpoint: " + r.path());
        }
        List<String> a = p.subList(2, p.size());
        String first = a.get(0);
        int n = a.size();
        switch (first) {
            case "queue":
                if (n == 2 && a.get(1).equals("summary")) {
                    method(r, "GET");
                    return ok(queueSummary());
                }
                if (n == 2 && a.get(1).equals("flush")) {
                    method(r, "POST");
                    return ok(flushQueue(r));
                }
                if (n == 2 && a.get(1).equals("messages")) {
                    method(r, "GET");
                    return ok(listMessages(r));
                }
                if (n == 3 && a.get(1).equals("messages")) {
                    QueueId id = queueId(a.get(2));
                    if (r.method().equals("DELETE")) {
                        return ok(delete(r, id));
                    }
                    method(r, "GET, DELETE");
                    return ok(message(r, id));
                }
                if (n == 4 && a.get(1).equals("messages") && a.get(3).equals("flush")) {
                    method(r, "POST");
                    return ok(flushMessage(queueId(a.get(2))));
                }
                if (n == 4 && a.get(1).equals("messages") && a.get(3).equals("bounce")) {
                    method(r, "POST");
                    return ok(bounce(r, queueId(a.get(2))));
                }
                break;
            case "domains":
                if (n == 2 && a.get(1).equals("suspended")) {
                    method(r, "GET");
                    return ok(Map.of(
                            "domains", new ArrayList<>(new TreeSet<>(control().suspendedDomains()))));
                }
                if (n == 3 && a.get(2).equals("suspend")) {
                    method(r, "POST");
                    return ok(suspend(r, domain(a.get(1))));
                }
                if (n == 3 && a.get(2).equals("resume")) {
                    method(r, "POST");
                    return ok(resume(r, domain(a.get(1))));
                }
                break;
            case "messages":
                if (n == 1) {
                    method(r, "POST");
                    QueuedMessage q = injection.inject(spool(), body(r), r);
                    return json(202, Map.of("queueId", q.id().value()));
                }
                break;
            case "greylist":
            case "dnsbl":
                if (n == 1) {
                    method(r, "GET");
                    return ok(source(first));
                }
                break;
            case "aliases":
                return ok(new AliasEndpoints(services, json).handle(r, a.subList(1, n)));
            case "config":
                if (n == 1) {
                    method(r, "GET");
                    return ok(configurations());
                }
                break;
            default:
                break;
        }
        throw ApiError.notFound("no such endpoint: " + r.path());
    }

    /** The JSON error body every failure has. */
    AdminResponse error(ApiError e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.code());
        body.put("message", e.getMessage());
        AdminResponse plain = json(e.status(), body);
        return new AdminResponse(plain.status(), plain.contentType(), plain.body(), e.headers());
    }

    AdminResponse json(int status, Object body) {
        try {
            return new AdminResponse(status, AdminResponse.JSON, json.writeValueAsBytes(body), Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    private AdminResponse ok(Object body) {
        return json(200, body);
    }

    // ------------------------------------------------------------------ queue

    /** What the summary counts for one recipient domain. */
    private static final class DomainTally {
        int messages;
        int recipients;
        Instant oldest;
    }

    private Map<String, Object> queueSummary() {
        Spool spool = spool();
        DeliveryControl control = services.deliveryControl;
        Instant now = clock.get();
        Map<String, DomainTally> byDomain = new TreeMap<>();
        List<QueuedMessage> all = spool.list();
        for (QueuedMessage m : all) {
            Map<String, Integer> pendingHere = new LinkedHashMap<>();
            for (RecipientStatus s : m.pending()) {
                pendingHere.merge(domainKey(s.recipient()), 1, Integer::sum);
            }
            Instant received = m.envelope().receivedAt();
            pendingHere.forEach((domain, count) -> {
                DomainTally t = byDomain.computeIfAbsent(domain, d -> new DomainTally());
                t.messages++;
                t.recipients += count;
                if (t.oldest == null || received.isBefore(t.oldest)) {
                    t.oldest = received;
                }
            });
        }
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
        out.put("messages", all.size());
        out.put("deliveryControl", control != null);
        out.put("domains", domains);
        return out;
    }

    private Map<String, Object> listMessages(AdminRequest r) {
        String domain = r.query().get("domain");
        String wanted = domain == null || domain.isBlank() ? null : domain(domain);
        int limit = limit(r.query().get("limit"));
        List<Map<String, Object>> rows = new ArrayList<>();
        int total = 0;
        for (QueuedMessage m : spool().list()) {
            if (wanted != null && m.recipients().stream().noneMatch(s -> wanted.equals(domainKey(s.recipient())))) {
                continue;
            }
            total++;
            if (rows.size() < limit) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", m.id().value());
                row.put("from", m.envelope().sender().toString());
                row.put(
                        "to",
                        m.recipients().stream()
                                .map(s -> s.recipient().toString())
                                .toList());
                row.put("pending", m.pending().size());
                row.put("size", m.size());
                row.put("receivedAt", m.envelope().receivedAt().toString());
                row.put("attempts", m.attempts());
                row.put("nextAttempt", m.nextAttempt().toString());
                rows.add(row);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total", total);
        out.put("returned", rows.size());
        out.put("messages", rows);
        return out;
    }

    private Map<String, Object> message(AdminRequest r, QueueId id) {
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
        for (RecipientStatus s : m.recipients()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("address", s.recipient().toString());
            row.put("state", s.state().name().toLowerCase(Locale.ROOT));
            row.put("lastReply", s.lastReply());
            row.put("remoteHost", s.remoteHost());
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

    private Map<String, Object> flushMessage(QueueId id) {
        if (!spool().flush(id)) {
            throw ApiError.notFound("no message " + id + " in the queue");
        }
        return Map.of("queueId", id.value(), "flushed", true);
    }

    private Map<String, Object> flushQueue(AdminRequest r) {
        String domain = r.query().get("domain");
        if (domain == null || domain.isBlank()) {
            int n = spool().flushAll();
            LOG.info("admin: queue flushed ({} messages) by {} from [{}]", n, who(r), r.clientIp());
            return Map.of("flushed", n);
        }
        String d = domain(domain);
        int n = control().flushDomain(d);
        LOG.info("admin: queue for {} flushed ({} messages) by {} from [{}]", d, n, who(r), r.clientIp());
        return Map.of("domain", d, "flushed", n);
    }

    private Map<String, Object> delete(AdminRequest r, QueueId id) {
        boolean removed = await(spool().remove(id).toCompletableFuture(), "the spool");
        if (!removed) {
            throw ApiError.notFound("no message " + id + " in the queue");
        }
        mailLog.removed(id, r.clientIp(), who(r));
        return Map.of("queueId", id.value(), "deleted", true);
    }

    private Map<String, Object> bounce(AdminRequest r, QueueId id) {
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
        LOG.info("admin: {} bounced by {} from [{}]: {}", id, who(r), r.clientIp(), reason);
        return Map.of("queueId", id.value(), "bounced", true);
    }

    // ------------------------------------------------------------------ domains

    private Map<String, Object> suspend(AdminRequest r, String domain) {
        DeliveryControl control = control();
        boolean already = control.suspendedDomains().contains(domain);
        control.suspend(domain);
        if (!already) {
            LOG.info("admin: delivery to {} suspended by {} from [{}]", domain, who(r), r.clientIp());
        }
        return Map.of("domain", domain, "suspended", true);
    }

    private Map<String, Object> resume(AdminRequest r, String domain) {
        if (!control().resume(domain)) {
            throw new ApiError(409, "not_suspended", "delivery to " + domain + " is not suspended");
        }
        LOG.info("admin: delivery to {} resumed by {} from [{}]", domain, who(r), r.clientIp());
        return Map.of("domain", domain, "suspended", false);
    }

    // ------------------------------------------------------------------ statistics, config, health

    private Map<String, Object> source(String name) {
        AdminServices.Named<MetricSource> found = services.metricSources().stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(() ->
                        ApiError.notFound("no metric source '" + name + "': is the " + name + " bundle running?"));
        List<Metric> families = collect(found);
        List<Map<String, Object>> list = new ArrayList<>();
        Map<String, Object> values = new TreeMap<>();
        for (Metric m : families) {
            Map<String, Object> family = new LinkedHashMap<>();
            family.put("name", m.name());
            family.put("help", m.help());
            family.put("type", m.type().name().toLowerCase(Locale.ROOT));
            List<Map<String, Object>> samples = new ArrayList<>();
            for (Metric.Sample s : m.samples()) {
                samples.add(Map.of("labels", new TreeMap<>(s.labels()), "value", number(s.value())));
                if (s.labels().isEmpty()) {
                    values.put(m.name(), number(s.value()));
                }
            }
            family.put("samples", samples);
            list.add(family);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("source", name);
        out.put("values", values);
        out.put("metrics", list);
        return out;
    }

    private Map<String, Object> configurations() {
        Supplier<List<AdminServices.StoredConfiguration>> configs = services.configurations;
        if (configs == null) {
            throw ApiError.unavailable("Config Admin");
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (AdminServices.StoredConfiguration c : configs.get()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("pid", c.pid());
            row.put("factoryPid", c.factoryPid());
            row.put("properties", ConfigRedaction.redact(c.properties()));
            list.add(row);
        }
        list.sort(Comparator.comparing(row -> (String) row.get("pid")));
        return Map.of("configurations", list);
    }

    private AdminResponse health() {
        List<Map<String, Object>> checks = new ArrayList<>();
        boolean ready = true;
        List<HealthCheck> all = new ArrayList<>(services.healthChecks());
        for (HealthCheck c : all) {
            Map<String, Object> row = new LinkedHashMap<>();
            boolean up;
            String name;
            String detail;
            try {
                name = c.name();
                up = c.ready();
                detail = c.detail();
            } catch (RuntimeException e) {
                name = c.getClass().getName();
                up = false;
                detail = "health check failed: " + e;
            }
            row.put("name", name);
            row.put("ready", up);
            row.put("detail", detail);
            checks.add(row);
            ready &= up;
        }
        checks.sort(Comparator.comparing(row -> String.valueOf(row.get("name"))));
        boolean spool = services.spool != null;
        if (!spool) {
            checks.add(0, Map.of("name", "spool.service", "ready", false, "detail", "no Spool service"));
        }
        ready &= spool && !all.isEmpty();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", ready ? "ready" : "not_ready");
        out.put("checks", checks);
        return json(ready ? 200 : 503, out);
    }

    private String prometheus() {
        List<Metric> families = new ArrayList<>();
        List<AdminServices.Named<MetricSource>> sources = new ArrayList<>(services.metricSources());
        sources.sort(Comparator.comparing(AdminServices.Named::name));
        for (AdminServices.Named<MetricSource> s : sources) {
            families.addAll(collect(s));
        }
        families.addAll(metrics.metrics());
        return PrometheusText.render(families);
    }

    private List<Metric> collect(AdminServices.Named<MetricSource> source) {
        try {
            List<Metric> list = source.service().metrics();
            return list == null ? List.of() : list;
        } catch (RuntimeException e) {
            metrics.metricSourceErrors.incrementAndGet();
            LOG.warn("metric source '{}' failed: {}", source.name(), e.toString());
            return List.of();
        }
    }

    // ------------------------------------------------------------------ small parts

    private Spool spool() {
        Spool s = services.spool;
        if (s == null) {
            throw ApiError.unavailable("the spool");
        }
        return s;
    }

    private DeliveryControl control() {
        DeliveryControl c = services.deliveryControl;
        if (c == null) {
            throw ApiError.unavailable("delivery control");
        }
        return c;
    }

    private static void method(AdminRequest r, String allowed) {
        for (String m : allowed.split(",\\s*")) {
            if (m.equals(r.method())) {
                return;
            }
        }
        throw ApiError.methodNotAllowed(allowed);
    }

    private JsonNode body(AdminRequest r) {
        if (r.body().length == 0) {
            throw ApiError.badRequest("a JSON body is required");
        }
        try {
            return json.readTree(r.body());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
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

    /** A domain name as given in a path or query, lower case, trailing dot dropped; 400 for anything else. */
    static String domain(String text) {
        String d = text.strip().toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        try {
            MailAddress a = MailAddress.parse("postmaster@" + d);
            if (a.isAddressLiteral()) {
                throw ApiError.badRequest("not a domain name: " + text);
            }
            return a.domainKey();
        } catch (AddressSyntaxException e) {
            throw ApiError.badRequest("not a domain name: " + text);
        }
    }

    private static String domainKey(MailAddress a) {
        String d = a.domainKey();
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

    private static Object number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? (Object) (long) v : (Object) v;
    }

    private static String who(AdminRequest r) {
        return r.user().isEmpty() ? "a trusted client" : r.user();
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
