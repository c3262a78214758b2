package org.karavel.api.shaping;

import java.time.Duration;
import java.util.Locale;

/**
 * A rate: {@code count} events per {@code period}, written {@code 100/min}, {@code 5/s},
 * {@code 2000/h} or {@code 10000/day} (also {@code sec}, {@code second}, {@code minute},
 * {@code hour}, {@code d}). The period may carry a number: {@code 30/10min}.
 *
 * @param count events per period, at least 1
 * @param period the window, positive
 */
public record Rate(long count, Duration period) {

    public Rate {
        if (count < 1) {
            throw new IllegalArgumentException("a rate needs at least one event per period: " + count);
        }
        if (period == null || period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("a rate needs a positive period: " + period);
        }
    }

    /** The time one event uses of the budget: period / count (GCRA's emission interval). */
    public Duration interval() {
        return period.dividedBy(count).isZero() ? Duration.ofNanos(1) : period.dividedBy(count);
    }

    /**
     * Parses {@code 100/min} and the like.
     *
     * @throws IllegalArgumentException naming what is wrong, e.g. {@code unknown unit "fortnight"}
     */
    public static Rate parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty rate");
        }
        String t = text.strip().toLowerCase(Locale.ROOT);
        int slash = t.indexOf('/');
        if (slash <= 0 || slash == t.length() - 1) {
            throw new IllegalArgumentException("a rate is written count/unit, e.g. 100/min: \"" + text + "\"");
        }
        long count;
        try {
            count = Long.parseLong(t.substring(0, slash).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "not a count: \"" + t.substring(0, slash).strip() + "\"");
        }
        String p = t.substring(slash + 1).strip();
        int i = 0;
        while (i < p.length() && Character.isDigit(p.charAt(i))) {
            i++;
        }
        long multiple = i == 0 ? 1 : Long.parseLong(p.substring(0, i));
        Duration unit = switch (p.substring(i).strip()) {
            case "s", "sec", "second" -> Duration.ofSeconds(1);
            case "min", "minute", "m" -> Duration.ofMinutes(1);
            case "h", "hour" -> Duration.ofHours(1);
            case "d", "day" -> Duration.ofDays(1);
            default ->
                throw new IllegalArgumentException(
                        "unknown unit \"" + p.substring(i).strip() + "\" (s, min, h or day)");
        };
        if (multiple < 1) {
            throw new IllegalArgumentException("a period must be positive: \"" + p + "\"");
        }
        return new Rate(count, unit.multipliedBy(multiple));
    }

    /** As {@link #parse} reads it, e.g. {@code 100/min}. */
    @Override
    public String toString() {
        String unit;
        long n;
        if (period.toDays() > 0 && period.equals(Duration.ofDays(period.toDays()))) {
            unit = "day";
            n = period.toDays();
        } else if (period.toHours() > 0 && period.equals(Duration.ofHours(period.toHours()))) {
            unit = "h";
            n = period.toHours();
        } else if (period.toMinutes() > 0 && period.equals(Duration.ofMinutes(period.toMinutes()))) {
            unit = "min";
            n = period.toMinutes();
        } else {
            unit = "s";
            n = Math.max(1, period.toSeconds());
        }
        return count + "/" + (n == 1 ? "" : Long.toString(n)) + unit;
    }
}
