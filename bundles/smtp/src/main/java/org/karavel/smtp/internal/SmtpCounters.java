package org.karavel.smtp.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import org.karavel.api.metrics.CounterFamily;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.Metric.Type;

/**
 * The SMTP side's counters, shared by every listener of the bundle (labelled by listener), so that
 * one {@link org.karavel.api.metrics.MetricSource} serves them all and a listener restart keeps its
 * figures. Counting is a LongAdder increment: cheap on MINA I/O threads.
 */
final class SmtpCounters {
    /** The bundle's counters; tests make their own. */
    static final SmtpCounters BUNDLE = new SmtpCounters();

    private final CounterFamily connections = new CounterFamily(
            "karavel_smtp_connections_total", "Connections accepted (refused ones included).", "listener");
    private final CounterFamily received =
            new CounterFamily("karavel_smtp_messages_received_total", "Messages queued (250 queued as).", "listener");
    private final CounterFamily rejected = new CounterFamily(
            "karavel_smtp_rejected_total",
            "Refusals written to the mail log, by reason (a filter's name, or size, policy, protocol, ...).",
            "listener",
            "reason");
    private final CounterFamily tls = new CounterFamily(
            "karavel_smtp_tls_handshakes_total",
            "Completed TLS handshakes (STARTTLS or implicit), by protocol.",
            "listener",
            "protocol");
    private final CounterFamily tlsFailures =
            new CounterFamily("karavel_smtp_tls_handshake_failures_total", "Failed TLS handshakes.", "listener");
    private final CounterFamily filterFailures = new CounterFamily(
            "karavel_smtp_filter_failures_total",
            "Filter stages that failed (error) or ran out of time (timeout): answered 4xx.",
            "filter",
            "kind");
    private final CounterFamily authFailures =
            new CounterFamily("karavel_smtp_auth_failures_total", "Failed SMTP AUTH attempts.", "listener");
    private final CounterFamily sharedFailures = new CounterFamily(
            "karavel_smtp_shared_counts_failures_total",
            "Calls to the fleet's shared counts (AUTH failures, connection rates) that failed or were too slow: "
                    + "decided on this node's count alone.");
    /** Whether the last call to the shared counts failed: the throttles run on this node's counts. */
    private final AtomicBoolean sharedDegraded = new AtomicBoolean();

    private final Map<String, IntSupplier> open = new ConcurrentHashMap<>();

    void connection(String listener) {
        connections.increment(listener);
    }

    void received(String listener) {
        received.increment(listener);
    }

    /** A refusal written to the mail log; {@code reason} as {@link #reason} gives it, or a filter's name. */
    void rejected(String listener, String reason) {
        rejected.increment(listener, label(reason));
    }

    void tlsHandshake(String listener, String protocol) {
        tls.increment(listener, protocol == null || protocol.isBlank() ? "unknown" : protocol);
    }

    void tlsHandshakeFailed(String listener) {
        tlsFailures.increment(listener);
    }

    /** A filter threw or failed its stage ({@code timeout} false), or did not answer in time. */
    void filterFailure(String filter, boolean timeout) {
        filterFailures.increment(filter, timeout ? "timeout" : "error");
    }

    void authFailure(String listener) {
        authFailures.increment(listener);
    }

    /** A shared count failed; true when it is the first since the store last answered (warn once). */
    boolean sharedFailed() {
        sharedFailures.increment();
        return sharedDegraded.compareAndSet(false, true);
    }

    /** A shared count answered; true when the store had failed before (it recovered). */
    boolean sharedAnswered() {
        return sharedDegraded.get() && sharedDegraded.compareAndSet(true, false);
    }

    /** A started listener's open connections, for the gauge; {@link #stopped} takes it away. */
    void started(String listener, IntSupplier openConnections) {
        open.put(listener, openConnections);
    }

    void stopped(String listener, IntSupplier openConnections) {
        open.remove(listener, openConnections);
    }

    /**
     * The reason label of a refusal that no filter gave, from its enhanced status code: {@code size},
     * {@code too_many_recipients}, {@code policy_unavailable}, {@code sender_login}, {@code policy},
     * {@code protocol} (bare LF, long lines, bad addresses) or {@code other}.
     */
    static String reason(String stage, Reply reply) {
        String enhanced = reply.enhanced() == null ? "" : reply.enhanced();
        String detail = enhanced.length() > 2 ? enhanced.substring(2) : "";
        return switch (detail) {
            case "3.4", "2.3", "3.1" -> "size";
            case "5.3" -> "too_many_recipients";
            case "3.0" -> "policy_unavailable";
            default -> {
                if (detail.startsWith("7.")) {
                    yield "MAIL".equals(stage) ? "sender_login" : "policy";
                }
                if (detail.startsWith("5.") || detail.startsWith("6.") || detail.startsWith("1.")) {
                    yield "protocol";
                }
                yield "other";
            }
        };
    }

    /** A filter name or reason as a tidy label value: lower case, letters, digits and underscores. */
    static String label(String s) {
        if (s == null || s.isBlank()) {
            return "unknown";
        }
        String l = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "_");
        return l.length() > 60 ? l.substring(0, 60) : l;
    }

    List<Metric> metrics() {
        List<Metric.Sample> current = new ArrayList<>();
        open.forEach((listener, n) -> current.add(new Metric.Sample(Map.of("listener", listener), n.getAsInt())));
        return List.of(
                connections.metric(),
                new Metric("karavel_smtp_connections", "Connections open now.", Type.GAUGE, current),
                received.metric(),
                rejected.metric(),
                tls.metric(),
                tlsFailures.metric(),
                filterFailures.metric(),
                authFailures.metric(),
                sharedFailures.metric(),
                new Metric(
                        "karavel_smtp_shared_counts_degraded",
                        "1 while the fleet's shared counts do not answer and the throttles count on this node only.",
                        Type.GAUGE,
                        List.of(new Metric.Sample(Map.of(), sharedDegraded.get() ? 1 : 0))));
    }
}
