package org.karavel.itests;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, so that a test fails on output a
 * Prometheus server would refuse: each family has at most one {@code # HELP} and one {@code # TYPE},
 * the TYPE comes before the family's samples, the samples of a family are together, every sample
 * belongs to a declared family, label values are properly quoted and escaped, values are numbers.
 */
final class MetricsText {
    record Sample(String name, Map<String, String> labels, double value) {}

    record Family(String name, String type, String help, List<Sample> samples) {
        double sum() {
            return samples.stream().mapToDouble(Sample::value).sum();
        }
    }

    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE =
            Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)\\})? (\\S+)( -?[0-9]+)?");
    private static final Pattern LABEL =
            Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");
    private static final Pattern VALUE = Pattern.compile("[-+]?([0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?|Inf)|NaN");

    /** One look at a metric: its value (-1 while it cannot be read) and what the look found, for a timeout's message. */
    record Reading(double value, String seen) {}

    private MetricsText() {}

    /** The first sample of a gauge or counter from the admin API's /metrics on 127.0.0.1; -1 while it cannot be read. */
    static double read(int adminPort, String name) {
        return look(adminPort, name).value();
    }

    /** The sample of a family with exactly these labels from /metrics; 0 when the family has no such sample, -1 while it cannot be read. */
    static double read(int adminPort, String name, Map<String, String> labels) {
        try {
            AdminHttp.Response r = new AdminHttp(adminPort).get("/metrics");
            if (r.status() != 200) {
                return -1;
            }
            Family f = parse(r.body()).get(name);
            return f == null
                    ? 0
                    : f.samples().stream()
                            .filter(s -> s.labels().equals(labels))
                            .mapToDouble(Sample::value)
                            .sum();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** As {@link #read(int, String)}, with a description of what the admin API answered. */
    static Reading look(int adminPort, String name) {
        try {
            AdminHttp.Response r = new AdminHttp(adminPort).get("/metrics");
            if (r.status() != 200) {
                return new Reading(-1, "HTTP " + r.status() + " from port " + adminPort);
            }
            Family f = parse(r.body()).get(name);
            String seen = name + " " + (f == null ? "absent" : f.samples());
            return new Reading(
                    f == null || f.samples().isEmpty() ? -1 : f.samples().get(0).value(), seen);
        } catch (IOException | RuntimeException e) {
            return new Reading(-1, e + " from port " + adminPort);
        }
    }

    /** The families by name, in order; throws {@link AssertionError} naming the first bad line. */
    static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new AssertionError("the exposition does not end with a line feed");
        }
        Map<String, String> help = new LinkedHashMap<>();
        Map<String, Family> families = new LinkedHashMap<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        // the last element is the empty string after the final line feed
        for (int n = 1; n < lines.length; n++) {
            String line = lines[n - 1];
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                if (help.put(m.group(1), m.group(2)) != null) {
                    throw bad(n, line, "second HELP for " + m.group(1));
                }
                current = m.group(1);
            } else if ((m = TYPE.matcher(line)).matches()) {
                if (families.containsKey(m.group(1))) {
                    throw bad(n, line, "second TYPE for " + m.group(1));
                }
                families.put(m.group(1), new Family(m.group(1), m.group(2), help.get(m.group(1)), new ArrayList<>()));
                current = m.group(1);
            } else if (line.startsWith("#")) {
                continue; // any other comment is allowed
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String family = familyOf(m.group(1), families.keySet());
                if (family == null) {
                    throw bad(n, line, "sample of an undeclared family");
                }
                if (!family.equals(current)) {
                    throw bad(n, line, "samples of " + family + " are not together, or come before its TYPE");
                }
                if (!VALUE.matcher(m.group(4)).matches()) {
                    throw bad(n, line, "not a number: " + m.group(4));
                }
                families.get(family)
                        .samples()
                        .add(new Sample(m.group(1), labels(n, line, m.group(3)), value(m.group(4))));
            } else {
                throw bad(n, line, "neither a comment nor a sample");
            }
        }
        for (String h : help.keySet()) {
            if (!families.containsKey(h)) {
                throw new AssertionError("HELP without TYPE for " + h);
            }
        }
        return families;
    }

    /** The family a sample name belongs to: itself, or a histogram's / summary's _bucket, _sum, _count. */
    private static String familyOf(String sample, Set<String> declared) {
        if (declared.contains(sample)) {
            return sample;
        }
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (sample.endsWith(suffix) && declared.contains(sample.substring(0, sample.length() - suffix.length()))) {
                return sample.substring(0, sample.length() - suffix.length());
            }
        }
        return null;
    }

    private static Map<String, String> labels(int n, String line, String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null || text.isEmpty()) {
            return labels;
        }
        Matcher m = LABEL.matcher(text);
        int at = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                throw bad(n, line, "bad label list");
            }
            String value = m.group(2).replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
            if (labels.put(m.group(1), value) != null) {
                throw bad(n, line, "repeated label " + m.group(1));
            }
            at = m.end();
        }
        return labels;
    }

    private static double value(String v) {
        return switch (v) {
            case "NaN" -> Double.NaN;
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(v);
        };
    }

    private static AssertionError bad(int n, String line, String why) {
        return new AssertionError("metrics line " + n + ": " + why + ": " + line);
    }
}
