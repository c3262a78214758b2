package org.karavel.tls.internal;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.karavel.api.tls.TlsFailure;
import org.karavel.api.tls.TlsOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS-RPT counts (RFC 8460): per UTC day, per policy (domain, type, policy text, mx patterns),
 * successful sessions and failed ones by failure details. Kept in memory and written to one file
 * per day ({@code 2026-11-21.tlsrpt}, URL-encoded tab-separated lines, replaced atomically) by
 * {@link #flush}, so counts survive a restart; a day's file is removed once its reports went out.
 */
final class TlsReportLog {
    private static final Logger LOG = LoggerFactory.getLogger(TlsReportLog.class);
    static final String SUFFIX = ".tlsrpt";

    /** One policy as RFC 8460 §4.4 names it. */
    record Policy(String domain, String type, List<String> strings, List<String> mxPatterns) {
        Policy {
            strings = List.copyOf(strings);
            mxPatterns = List.copyOf(mxPatterns);
        }
    }

    /** One failure-details entry's key. */
    record FailureKey(TlsFailure failure, String sendingIp, String receivingIp, String mxHost, String reason) {}

    /** The counts of one policy on one day. */
    static final class Counts {
        final AtomicLong successes = new AtomicLong();
        final Map<FailureKey, AtomicLong> failures = new ConcurrentHashMap<>();

        long failureTotal() {
            return failures.values().stream().mapToLong(AtomicLong::get).sum();
        }
    }

    private final Path directory;
    private final Clock clock;
    private final Map<LocalDate, Map<Policy, Counts>> days = new ConcurrentHashMap<>();
    private volatile boolean dirty;

    /** @param directory where the day files go, or null to keep counts in memory only */
    TlsReportLog(Path directory, Clock clock) {
        this.directory = directory;
        this.clock = clock;
        load();
    }

    void record(String policyDomain, TlsOutcome outcome) {
        LocalDate day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        Policy policy = new Policy(
                StsPolicy.stripDot(policyDomain.toLowerCase(Locale.ROOT)),
                outcome.policyType(),
                outcome.policyStrings(),
                outcome.mxPatterns());
        Counts counts =
                days.computeIfAbsent(day, d -> new ConcurrentHashMap<>()).computeIfAbsent(policy, p -> new Counts());
        if (outcome.failure().isEmpty()) {
            counts.successes.incrementAndGet();
        } else {
            FailureKey key = new FailureKey(
                    outcome.failure().get(),
                    outcome.sendingIp(),
                    outcome.receivingIp(),
                    outcome.mxHost(),
                    outcome.detail().length() > 200 ? outcome.detail().substring(0, 200) : outcome.detail());
            counts.failures.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        }
        dirty = true;
    }

    /** The days with counts, oldest first. */
    List<LocalDate> days() {
        return new ArrayList<>(new TreeSet<>(days.keySet()));
    }

    /** The counts of a day by policy (a live view). */
    Map<Policy, Counts> day(LocalDate day) {
        return days.getOrDefault(day, Map.of());
    }

    /** Forgets a day (after its reports went out) and removes its file. */
    synchronized void forget(LocalDate day) {
        days.remove(day);
        if (directory != null) {
            try {
                Files.deleteIfExists(file(day));
            } catch (IOException e) {
                LOG.warn("cannot remove {}: {}", file(day), e.toString());
            }
        }
    }

    /** Writes every day that changed since the last flush. */
    synchronized void flush() {
        if (directory == null || !dirty) {
            return;
        }
        dirty = false;
        try {
            Files.createDirectories(directory);
            for (LocalDate day : days()) {
                Path target = file(day);
                Path temporary = directory.resolve(target.getFileName() + ".new");
                Files.write(temporary, lines(day(day)), StandardCharsets.UTF_8);
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            dirty = true;
            LOG.warn("cannot write the TLS-RPT counts to {}: {}", directory, e.toString());
        }
    }

    private Path file(LocalDate day) {
        return directory.resolve(day + SUFFIX);
    }

    private static List<String> lines(Map<Policy, Counts> policies) {
        List<String> out = new ArrayList<>();
        new TreeMap<String, Map.Entry<Policy, Counts>>(policies.entrySet().stream()
                        .collect(Collectors.toMap(e -> e.getKey().toString(), e -> e)))
                .values()
                .forEach(entry -> {
                    Policy p = entry.getKey();
                    String head =
                            String.join("\t", enc(p.domain()), enc(p.type()), list(p.strings()), list(p.mxPatterns()));
                    out.add("S\t" + head + "\t" + entry.getValue().successes.get());
                    entry.getValue()
                            .failures
                            .forEach((k, n) -> out.add("F\t" + head + "\t"
                                    + String.join(
                                            "\t",
                                            enc(k.failure().resultType()),
                                            enc(k.sendingIp()),
                                            enc(k.receivingIp()),
                                            enc(k.mxHost()),
                                            enc(k.reason()))
                                    + "\t" + n.get()));
                });
        return out;
    }

    private void load() {
        if (directory == null || !Files.isDirectory(directory)) {
            return;
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX))
                    .toList()) {
                String name = file.getFileName().toString();
                LocalDate day;
                try {
                    day = LocalDate.parse(name.substring(0, name.length() - SUFFIX.length()));
                } catch (DateTimeParseException e) {
                    continue;
                }
                Map<Policy, Counts> policies = days.computeIfAbsent(day, d -> new ConcurrentHashMap<>());
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    try {
                        parse(line, policies);
                    } catch (RuntimeException e) {
                        LOG.warn("{}: line skipped: {}", file, e.toString());
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot read the TLS-RPT counts in {}: {}", directory, e.toString());
        }
    }

    private static void parse(String line, Map<Policy, Counts> policies) {
        String[] f = line.split("\t", -1);
        Policy policy = new Policy(dec(f[1]), dec(f[2]), unlist(f[3]), unlist(f[4]));
        Counts counts = policies.computeIfAbsent(policy, p -> new Counts());
        if (f[0].equals("S") && f.length == 6) {
            counts.successes.addAndGet(Long.parseLong(f[5]));
        } else if (f[0].equals("F") && f.length == 11) {
            FailureKey key =
                    new FailureKey(TlsFailure.ofResultType(dec(f[5])), dec(f[6]), dec(f[7]), dec(f[8]), dec(f[9]));
            counts.failures.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(Long.parseLong(f[10]));
        } else {
            throw new IllegalArgumentException("malformed");
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String dec(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String list(List<String> values) {
        return values.stream().map(TlsReportLog::enc).collect(Collectors.joining(","));
    }

    private static List<String> unlist(String field) {
        return field.isEmpty()
                ? List.of()
                : Arrays.stream(field.split(",", -1)).map(TlsReportLog::dec).toList();
    }
}
