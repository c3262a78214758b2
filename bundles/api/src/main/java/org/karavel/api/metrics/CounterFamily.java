package org.karavel.api.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A counter family kept by a bundle: one {@link LongAdder} per set of label values, made when that
 * set is first counted, and the {@link Metric} built from them on demand. Counting is a map lookup
 * and an increment, cheap enough for I/O threads; samples come out sorted by label values, so the
 * exposition is the same from one scrape to the next.
 *
 * <p>A family without labels has its one sample from the start (value 0), as {@link Metric#of}.
 */
public final class CounterFamily {
    private static final Comparator<List<String>> BY_VALUES = (a, b) -> {
        for (int i = 0; i < a.size(); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    };

    private final String name;
    private final String help;
    private final List<String> labels;
    private final Map<List<String>, LongAdder> counts = new ConcurrentSkipListMap<>(BY_VALUES);

    /**
     * @param labels the label names, in the order {@link #increment} takes their values
     * @throws IllegalArgumentException if the name or a label name is not a Prometheus name
     */
    public CounterFamily(String name, String help, String... labels) {
        this.labels = List.of(labels);
        if (Set.copyOf(this.labels).size() != this.labels.size()) {
            throw new IllegalArgumentException(name + ": a label name given twice: " + this.labels);
        }
        // the record checks the name and the label names now rather than at the first scrape
        new Metric(name, help, Metric.Type.COUNTER, List.of(new Metric.Sample(sampleLabels(this.labels), 0)));
        this.name = name;
        this.help = help;
        if (this.labels.isEmpty()) {
            counts.put(List.of(), new LongAdder());
        }
    }

    /**
     * Counts one for these label values, given in the order of the label names; a null value is
     * counted as the empty string, so counting never throws on the mail path.
     *
     * @throws IllegalArgumentException if the number of values is not the number of labels
     */
    public void increment(String... values) {
        counts.computeIfAbsent(key(values), k -> new LongAdder()).increment();
    }

    /**
     * Counts {@code n} for these label values; {@code add(0, ...)} makes the sample show from the
     * start, for label values a reader expects to see even before the first count.
     *
     * @throws IllegalArgumentException if {@code n} is negative (a counter never goes down)
     */
    public void add(long n, String... values) {
        if (n < 0) {
            throw new IllegalArgumentException(name + ": a counter never goes down, given " + n);
        }
        counts.computeIfAbsent(key(values), k -> new LongAdder()).add(n);
    }

    /** The count for these label values so far, 0 if never counted. */
    public long count(String... values) {
        LongAdder n = counts.get(key(values));
        return n == null ? 0 : n.sum();
    }

    /** The family as it stands now: one sample per set of label values counted. */
    public Metric metric() {
        List<Metric.Sample> samples = new ArrayList<>(counts.size());
        counts.forEach((values, n) -> samples.add(new Metric.Sample(sampleLabels(values), n.sum())));
        return new Metric(name, help, Metric.Type.COUNTER, samples);
    }

    private Map<String, String> sampleLabels(List<String> values) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            out.put(labels.get(i), values.get(i));
        }
        return out;
    }

    private List<String> key(String... values) {
        if (values.length != labels.size()) {
            throw new IllegalArgumentException(
                    name + " has labels " + labels + ", given values " + Arrays.toString(values));
        }
        String[] key = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            key[i] = Objects.requireNonNullElse(values[i], "");
        }
        return List.of(key);
    }
}
