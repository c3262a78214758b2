package org.karavel.api.shaping;

import java.time.Instant;
import java.util.Locale;

/**
 * What a reaction did to a site after a remote reply, and until when (KumoMTA's traffic shaping
 * automation). Actions expire by themselves.
 *
 * @param site the site acted on
 * @param kind what was done
 * @param rate the lowered message rate, for {@link Kind#RATE}; else null
 * @param connections the lowered connection limit, for {@link Kind#CONNECTIONS}; else 0
 * @param until when the action ends; for {@link Kind#BOUNCE} the instant it happened
 * @param reply the remote reply that set it off
 * @param rule the reaction rule, as written in its file ({@code file:line})
 */
public record ShapingAction(
        String site, Kind kind, Rate rate, int connections, Instant until, String reply, String rule) {

    /** The kinds of reaction. */
    public enum Kind {
        /** No mail goes to the site until the action ends; its mail waits without counting an attempt. */
        SUSPEND,
        /** The site's max_message_rate is lowered until the action ends. */
        RATE,
        /** The site's max_connections is lowered until the action ends. */
        CONNECTIONS,
        /** The recipient whose reply matched is bounced instead of deferred (nothing lasts). */
        BOUNCE;

        /** As written in rules, logs and metrics, e.g. {@code suspend}. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Whether the action still holds at {@code now} (a bounce never lasts). */
    public boolean isActive(Instant now) {
        return kind != Kind.BOUNCE && until.isAfter(now);
    }
}
