package org.karavel.admin.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The endpoints: {@code /api/v1/...} (JSON), {@code /metrics} (Prometheus text) and {@code /health}.
 * A request reaches this class only once it is admitted (trusted client or admin user); each
 * endpoint reads the services present at that moment and answers 503 for one that is not.
 *
 * <p>{@link #routes} is the one list of what the API serves; 404, 405 and {@code Allow} follow
 * from it. The endpoints themselves are grouped by subject: {@link QueueEndpoints},
 * {@link DomainEndpoints}, {@link AliasEndpoints}, {@link StatusEndpoints},
 * {@link SuppressionEndpoints}.
 */
final class AdminApi {
    private final ObjectMapper json = new ObjectMapper();
    private final RouteTable routes;
    private final InjectionEndpoint inject;

    AdminApi(
            AdminServices services,
            AdminCounters metrics,
            MessageInjection injection,
            MailLog mailLog,
            long maxContentBytes,
            Supplier<Instant> clock) {
        this(
                services,
                metrics,
                injection,
                mailLog,
                maxContentBytes,
                clock,
                AdminSettings.DEFAULT_INJECT_MAX_RECIPIENTS);
    }

    AdminApi(
            AdminServices services,
            AdminCounters metrics,
            MessageInjection injection,
            MailLog mailLog,
            long maxContentBytes,
            Supplier<Instant> clock,
            int injectMaxRecipients) {
        this.inject = new InjectionEndpoint(
                services,
                injection,
                mailLog,
                injectMaxRecipients,
                json,
                () -> clock.get().atZone(ZoneId.systemDefault()));
        this.routes = routes(
                new QueueEndpoints(services, injection, mailLog, maxContentBytes, clock, json),
                new DomainEndpoints(services),
                new AliasEndpoints(services, json),
                new StatusEndpoints(services, metrics, json),
                new StatusCheckEndpoints(services),
                new SuppressionEndpoints(services, json, clock),
                new ShapingEndpoints(services, clock),
                new ConsoleEndpoints(
                        new HistoryEndpoint(services, metrics, clock),
                        new UserEndpoints(services, json),
                        new DkimEndpoint(services)),
                new NodeEndpoints(services, clock));
    }

    /** The endpoints the web console added: traffic history, users, DKIM keys. */
    record ConsoleEndpoints(HistoryEndpoint history, UserEndpoints users, DkimEndpoint dkim) {}

    private RouteTable routes(
            QueueEndpoints queue,
            DomainEndpoints domains,
            AliasEndpoints aliases,
            StatusEndpoints status,
            StatusCheckEndpoints checks,
            SuppressionEndpoints suppression,
            ShapingEndpoints shaping,
            ConsoleEndpoints console,
            NodeEndpoints nodes) {
        InjectionEndpoint inject = this.inject;
        UserEndpoints users = console.users();
        return new RouteTable(List.of(
                Route.get("metrics", (r, p) -> status.metrics()),
                Route.get("health", (r, p) -> status.health()),
                Route.get("api/v1/queue/summary", (r, p) -> ok(queue.summary())),
                Route.post("api/v1/queue/flush", (r, p) -> ok(queue.flush(r))),
                Route.get("api/v1/queue/messages", (r, p) -> ok(queue.list(r))),
                Route.get("api/v1/queue/messages/{id}", (r, p) -> ok(queue.message(r, p.get(0)))),
                Route.delete("api/v1/queue/messages/{id}", (r, p) -> ok(queue.delete(r, p.get(0)))),
                Route.post("api/v1/queue/messages/{id}/flush", (r, p) -> ok(queue.flushMessage(p.get(0)))),
                Route.post("api/v1/queue/messages/{id}/bounce", (r, p) -> ok(queue.bounce(r, p.get(0)))),
                Route.post("api/v1/messages", (r, p) -> json(202, queue.inject(r))),
                Route.post("api/v1/inject", (r, p) -> inject.inject(r)),
                Route.get("api/v1/domains/suspended", (r, p) -> ok(domains.suspended())),
                Route.post("api/v1/domains/{domain}/suspend", (r, p) -> ok(domains.suspend(r, p.get(0)))),
                Route.post("api/v1/domains/{domain}/resume", (r, p) -> ok(domains.resume(r, p.get(0)))),
                Route.get("api/v1/aliases", (r, p) -> ok(aliases.list())),
                Route.post("api/v1/aliases", (r, p) -> ok(aliases.add(r))),
                Route.delete("api/v1/aliases/{address}", (r, p) -> ok(aliases.remove(r, p.get(0)))),
                Route.get("api/v1/suppression", (r, p) -> ok(suppression.list(r))),
                Route.post("api/v1/suppression", (r, p) -> ok(suppression.add(r))),
                Route.get("api/v1/suppression/export", (r, p) -> suppression.export()),
                Route.post("api/v1/suppression/import", (r, p) -> ok(suppression.importCsv(r))),
                Route.get("api/v1/suppression/{address}", (r, p) -> ok(suppression.show(p.get(0)))),
                Route.delete("api/v1/suppression/{address}", (r, p) -> ok(suppression.remove(r, p.get(0)))),
                Route.get("api/v1/greylist", (r, p) -> ok(status.source("greylist"))),
                Route.get("api/v1/dnsbl", (r, p) -> ok(status.source("dnsbl"))),
                Route.get("api/v1/config", (r, p) -> ok(status.configurations())),
                Route.get("api/v1/status-checks", (r, p) -> ok(checks.report(r))),
                Route.get("api/v1/shaping", (r, p) -> ok(shaping.shaping())),
                Route.get("api/v1/history", (r, p) -> ok(console.history().history(r))),
                Route.get("api/v1/users", (r, p) -> ok(users.list())),
                Route.post("api/v1/users", (r, p) -> ok(users.add(r))),
                Route.delete("api/v1/users/{user}", (r, p) -> ok(users.remove(r, p.get(0)))),
                Route.post("api/v1/users/{user}/password", (r, p) -> ok(users.setPassword(r, p.get(0)))),
                Route.get("api/v1/dkim", (r, p) -> ok(console.dkim().keys(r))),
                Route.get("api/v1/nodes", (r, p) -> ok(nodes.nodes()))));
    }

    ObjectMapper json() {
        return json;
    }

    /** The routes, in table order (for tests and the README's endpoint list). */
    List<Route> routes() {
        return routes.routes();
    }

    AdminResponse handle(AdminRequest r) {
        return routes.answer(r);
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
        return AdminResponse.json(json, status, body);
    }

    private AdminResponse ok(Object body) {
        return json(200, body);
    }
}
