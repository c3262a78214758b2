package org.karavel.smtp.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
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

    private final Map<List<String>, LongAdder> connections = new ConcurrentHashMap<>();
    private final Map<List<String>, LongAdder> received = new ConcurrentHashMap<>();
    private final Map<List<String>, LongAdder> rejected = new ConcurrentHashMap<>();
    private final Map<List<String>, LongAdder> tls = new ConcurrentHashMap<>();
    private final Map<List<String>, LongAdder> tlsFailures = new ConcurrentHashMap<>();
    private final Map<List<String>, LongAdder> filterFailures = new ConcurrentHashMap<>();
    private final Map<List<String>, LongAdder> authFailures = new ConcurrentHashMap<>();
    private final Map<String, IntSupplier> open = new ConcurrentHashMap<>();

    void connection(String listener) {
        add(connections, listener);
    }

    void received(String listener) {
        add(received, listener);
    }

    /** A refusal written to the mail log; {@code reason} as {@link #reason} gives it, or a filter's name. */
    void rejected(String listener, String reason) {
        add(rejected, listener, label(reason));
    }

    void tlsHandshake(String listener, String protocol) {
        add(tls, listener, protocol == null || protocol.isBlank() ? "unknown" : protocol);
    }

    void tlsHandshakeFailed(String listener) {
        add(tlsFailures, listener);
    }

    /** A filter threw or failed its stage ({@code timeout} false), or did not answer in time. */
    void filterFailure(String filter, boolean timeout) {
        add(filterFailures, filter, timeout ? "timeout" : "error");
    }

    void authFailure(String listener) {
        add(authFailures, listener);
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
        List<Metric> all = new ArrayList<>();
        all.add(family(
                "karavel_smtp_connections_total",
                "Connections accepted (refused ones included).",
                connections,
                "listener"));
        List<Metric.Sample> current = new ArrayList<>();
        open.forEach((listener, n) -> current.add(new Metric.Sample(Map.of("listener", listener), n.getAsInt())));
        all.add(new Metric("karavel_smtp_connections", "Connections open now.", Type.GAUGE, current));
        all.add(family(
                "karavel_smtp_messages_received_total", "Messages queued (250 queued as).", received, "listener"));
        all.add(family(
                "karavel_smtp_rejected_total",
                "Refusals written to the mail log, by reason (a filter's name, or size, policy, protocol, ...).",
                rejected,
                "listener",
                "reason"));
        all.add(family(
                "karavel_smtp_tls_handshakes_total",
                "Completed TLS handshakes (STARTTLS or implicit), by protocol.",
                tls,
                "listener",
                "protocol"));
        all.add(family("karavel_smtp_tls_handshake_failures_total", "Failed TLS handshakes.", tlsFailures, "listener"));
        all.add(family(
                "karavel_smtp_filter_failures_total",
                "Filter stages that failed (error) or ran out of time (timeout): answered 4xx.",
                filterFailures,
                "filter",
                "kind"));
        all.add(family("karavel_smtp_auth_failures_total", "Failed SMTP AUTH attempts.", authFailures, "listener"));
        return all;
    }

    private static Metric family(String name, String help, Map<List<String>, LongAdder> values, String... labels) {
        List<Metric.Sample> samples = new ArrayList<>();
        values.forEach((key, n) -> {
            Map<String, String> l = new HashMap<>();
            for (int i = 0; i < labels.length; i++) {
                l.put(labels[i], key.get(i));
            }
            samples.add(new Metric.Sample(l, n.sum()));
        });
        return new Metric(name, help, Type.COUNTER, samples);
    }

    private static void add(Map<List<String>, LongAdder> map, String... key) {
        map.computeIfAbsent(List.of(key), k -> new LongAdder()).increment();
    }
}
