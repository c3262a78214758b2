package org.karavel.shaping.internal;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.ShapingAction.Kind;

/**
 * One line of the reactions file: which site's replies it looks at ({@code *} for any), what it
 * matches in the reply (the SMTP code and enhanced code, or a regular expression on the text) and
 * what it does to the site.
 *
 * @param basicCode the three-digit reply code to match, or null (any); with {@code enhanced} a code rule
 * @param enhanced an enhanced status code pattern ({@code 4.7.28}, {@code 4.7.*}), or null (any)
 * @param text a regular expression found in the reply (case-insensitive), or null for a code rule
 * @param rate the lowered rate of a {@link Kind#RATE} action
 * @param connections the lowered connection limit of a {@link Kind#CONNECTIONS} action
 * @param duration how long the action lasts (zero for a bounce)
 * @param where {@code file:line}
 */
record ReactionRule(
        String site,
        String basicCode,
        Pattern enhanced,
        Pattern text,
        Kind kind,
        Rate rate,
        int connections,
        Duration duration,
        String where) {
    private static final Pattern REPLY = Pattern.compile("^\\s*([245]\\d\\d)(?:[ -]+([245]\\.\\d{1,3}\\.\\d{1,3}))?");

    /** Whether the rule is about this site's replies and matches this one. */
    boolean matches(String forSite, String reply) {
        if (!"*".equals(site) && !site.equalsIgnoreCase(forSite)) {
            return false;
        }
        if (text != null) {
            return text.matcher(reply).find();
        }
        Matcher m = REPLY.matcher(reply);
        if (!m.find()) {
            return false;
        }
        if (basicCode != null && !basicCode.equals(m.group(1))) {
            return false;
        }
        return enhanced == null
                || (m.group(2) != null && enhanced.matcher(m.group(2)).matches());
    }
}
