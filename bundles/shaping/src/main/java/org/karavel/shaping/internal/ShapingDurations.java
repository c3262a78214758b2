package org.karavel.shaping.internal;

import java.time.Duration;
import java.util.Locale;

/** Durations as the shaping files write them: {@code 30s}, {@code 10min}, {@code 2h}, {@code 1d}, or bare seconds. */
final class ShapingDurations {
    private ShapingDurations() {}

    /** @throws IllegalArgumentException naming what is wrong */
    static Duration parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0 || i > 9) {
            throw new IllegalArgumentException("not a duration (e.g. 30s, 10min, 2h, 1d): \"" + text + "\"");
        }
        long n = Long.parseLong(t.substring(0, i));
        Duration unit = switch (t.substring(i).strip()) {
            case "", "s", "sec", "second", "seconds" -> Duration.ofSeconds(1);
            case "min", "m", "minute", "minutes" -> Duration.ofMinutes(1);
            case "h", "hour", "hours" -> Duration.ofHours(1);
            case "d", "day", "days" -> Duration.ofDays(1);
            default ->
                throw new IllegalArgumentException(
                        "unknown unit \"" + t.substring(i).strip() + "\" in \"" + text + "\" (s, min, h or d)");
        };
        if (n == 0) {
            throw new IllegalArgumentException("a duration must be positive: \"" + text + "\"");
        }
        return unit.multipliedBy(n);
    }

    /** As {@link #parse} reads it: the largest whole unit. */
    static String format(Duration d) {
        long s = d.toSeconds();
        if (s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "min";
        }
        return s + "s";
    }
}
