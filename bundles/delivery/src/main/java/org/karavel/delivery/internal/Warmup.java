package org.karavel.delivery.internal;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.karavel.api.shaping.Rate;

/**
 * A new source address's warm-up (KumoMTA's IP warm-up schedule): from the start date, day by day, a
 * rising daily limit of messages, {@code 2026-12-01: 500/day, 1000/day, 2000/day}. Before the
 * start the first day's limit holds; after the last day there is no limit any more.
 *
 * @param start the first day
 * @param daily the limit of each day from the start, in order
 */
record Warmup(LocalDate start, List<Rate> daily) {
    static final Warmup NONE = new Warmup(LocalDate.MIN, List.of());

    Warmup {
        daily = List.copyOf(daily);
    }

    /** Parses {@code 2026-12-01: 500/day, 1000/day}; an empty text is no warm-up. */
    static Warmup parse(String text) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(
                    "a warm-up is written start-date: limit/day, ... (e.g. 2026-12-01: 500/day, 1000/day)");
        }
        LocalDate start;
        try {
            start = LocalDate.parse(text.substring(0, colon).strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "not a date (yyyy-mm-dd): \"" + text.substring(0, colon).strip() + "\"");
        }
        List<Rate> daily = new ArrayList<>();
        for (String part : text.substring(colon + 1).split(",")) {
            if (part.isBlank()) {
                continue;
            }
            Rate r = Rate.parse(part);
            daily.add(r);
        }
        if (daily.isEmpty()) {
            throw new IllegalArgumentException("a warm-up needs at least one daily limit");
        }
        return new Warmup(start, daily);
    }

    /** The limit on {@code day}; empty when the warm-up is over (or there is none). */
    Optional<Rate> limitOn(LocalDate day) {
        if (daily.isEmpty()) {
            return Optional.empty();
        }
        long n = ChronoUnit.DAYS.between(start, day);
        if (n < 0) {
            return Optional.of(daily.get(0));
        }
        return n < daily.size() ? Optional.of(daily.get((int) n)) : Optional.empty();
    }

    @Override
    public String toString() {
        if (daily.isEmpty()) {
            return "";
        }
        return start + ": "
                + String.join(", ", daily.stream().map(Rate::toString).toList());
    }
}
