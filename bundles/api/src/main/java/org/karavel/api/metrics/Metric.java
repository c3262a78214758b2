package org.karavel.api.metrics;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One metric family in the Prometheus data model: a name, its help text, its type, and one sample
 * per label set.
 */
public record Metric(String name, String help, Type type, List<Sample> samples) {
    public enum Type {
        /** Only ever goes up (until the bundle restarts). */
        COUNTER,
        /** Goes up and down, e.g. the queue size. */
        GAUGE
    }

    public Metric {
        if (!Objects.requireNonNull(name, "name").matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("invalid metric name: " + name);
        }
        help = help == null ? "" : help;
        Objects.requireNonNull(type, "type");
        samples = List.copyOf(samples);
    }

    /** A family with one unlabelled sample. */
    public static Metric of(String name, String help, Type type, double value) {
        return new Metric(name, help, type, List.of(new Sample(Map.of(), value)));
    }

    /** One value of the family, for one set of labels (empty for an unlabelled metric). */
    public record Sample(Map<String, String> labels, double value) {
        public Sample {
            labels = Map.copyOf(labels);
            for (String label : labels.keySet()) {
                if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                    throw new IllegalArgumentException("invalid label name: " + label);
                }
            }
        }
    }
}
