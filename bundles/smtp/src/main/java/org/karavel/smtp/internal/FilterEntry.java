package org.karavel.smtp.internal;

import java.util.Map;
import java.util.Objects;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;

/**
 * One registered filter with what its service properties say about it.
 *
 * @param timeoutMillis its own time limit ({@code karavel.filter.timeout.ms}), or 0 to use the listener's
 * @param inspectsMessage whether it implements the end-of-message stage, so that a copy of the
 *     content must be kept for {@link MessageView#open()}
 */
record FilterEntry(
        SmtpFilter filter, String name, int ranking, long serviceId, long timeoutMillis, boolean inspectsMessage) {

    FilterEntry {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(name, "name");
    }

    /** Reads the entry from the service properties of a registered filter. */
    static FilterEntry of(SmtpFilter filter, Map<String, ?> properties) {
        Object name = properties.get(SmtpFilter.NAME);
        return new FilterEntry(
                filter,
                name == null || name.toString().isBlank() ? filter.getClass().getName() : name.toString(),
                (int) number(properties.get("service.ranking"), 0),
                number(properties.get("service.id"), 0),
                Math.max(0, number(properties.get(SmtpFilter.TIMEOUT_MILLIS), 0)),
                implementsEndOfMessage(filter));
    }

    /** For tests and built-in use: a filter with a name and ranking and the listener's time limit. */
    static FilterEntry of(SmtpFilter filter, String name, int ranking) {
        return new FilterEntry(filter, name, ranking, 0, 0, implementsEndOfMessage(filter));
    }

    FilterEntry withTimeout(long millis) {
        return new FilterEntry(filter, name, ranking, serviceId, millis, inspectsMessage);
    }

    static boolean implementsEndOfMessage(SmtpFilter filter) {
        try {
            return filter.getClass()
                            .getMethod("endOfMessage", SessionView.class, EnvelopeView.class, MessageView.class)
                            .getDeclaringClass()
                    != SmtpFilter.class;
        } catch (NoSuchMethodException | SecurityException e) {
            return true; // cannot tell: assume it does, so that open() works
        }
    }

    private static long number(Object value, long fallback) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        if (value != null) {
            try {
                return Long.parseLong(value.toString().strip());
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
        return fallback;
    }
}
