package org.karavel.api.queue;

import java.util.Objects;

/** The id of a queued message, as shown in {@code 250 2.0.0 Ok: queued as <id>} and in every log line. */
public final class QueueId implements Comparable<QueueId> {
    private final String value;

    public QueueId(String value) {
        if (Objects.requireNonNull(value, "value").isEmpty() || !alphanumeric(value)) {
            throw new IllegalArgumentException("queue id must be alphanumeric: " + value);
        }
        this.value = value;
    }

    // a loop, not String.matches: the spool makes ids from its index on every scan, and matches compiles a regex each
    // time
    private static boolean alphanumeric(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    public String value() {
        return value;
    }

    @Override
    public int compareTo(QueueId o) {
        return value.compareTo(o.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QueueId && ((QueueId) o).value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
