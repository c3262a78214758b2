package org.karavel.shaping.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.ShapingAction.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reactions file, one rule a line, first match wins:
 *
 * <pre>
 * SITE  ACTION [ARGS]  MATCH
 * gmail suspend 1h             code 421 4.7.28
 * yahoo rate 20/min 1h         text \[TSS04\]
 * *     connections 2 30min    code 4.7.650
 * *     bounce                 text ^550 5\.7\.1 .*spamhaus
 * </pre>
 *
 * Actions: {@code suspend DURATION}, {@code rate RATE DURATION}, {@code connections N DURATION},
 * {@code bounce}. Matches: {@code code BASIC [ENHANCED]} ({@code 421}, {@code 421 4.7.28},
 * {@code 4.7.*} alone, or {@code *}), {@code text REGEX} (the rest of the line, case-insensitive). A
 * bad line is an ERROR naming {@code file:line} and is left out; the other lines apply.
 */
final class ReactionRules {
    private static final Logger LOG = LoggerFactory.getLogger(ReactionRules.class);
    private static final Pattern ENHANCED = Pattern.compile("[245*]\\.(\\d{1,3}|\\*)\\.(\\d{1,3}|\\*)");

    private final List<ReactionRule> rules;

    ReactionRules(List<ReactionRule> rules) {
        this.rules = List.copyOf(rules);
    }

    List<ReactionRule> rules() {
        return rules;
    }

    /** The first rule matching the site's reply, or null. */
    ReactionRule match(String site, String reply) {
        for (ReactionRule r : rules) {
            if (r.matches(site, reply)) {
                return r;
            }
        }
        return null;
    }

    /** Parses the file's text; bad lines are logged with {@code file:line} and left out. */
    static ReactionRules parse(String text, String file) {
        List<ReactionRule> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + ":" + (i + 1);
            try {
                out.add(line(line, where));
            } catch (IllegalArgumentException e) {
                LOG.error("{}: reaction rule left out: {}", where, e.getMessage());
            }
        }
        return new ReactionRules(out);
    }

    private static ReactionRule line(String line, String where) {
        String[] t = line.split("\\s+");
        if (t.length < 3) {
            throw new IllegalArgumentException("a rule is SITE ACTION [ARGS] code|text MATCH: \"" + line + "\"");
        }
        String site = t[0];
        Kind kind;
        Rate rate = null;
        int connections = 0;
        Duration duration = Duration.ZERO;
        int next;
        switch (t[1].toLowerCase(Locale.ROOT)) {
            case "suspend" -> {
                kind = Kind.SUSPEND;
                duration = ShapingDurations.parse(arg(t, 2, "a duration"));
                next = 3;
            }
            case "rate" -> {
                kind = Kind.RATE;
                rate = Rate.parse(arg(t, 2, "a rate"));
                duration = ShapingDurations.parse(arg(t, 3, "a duration"));
                next = 4;
            }
            case "connections" -> {
                kind = Kind.CONNECTIONS;
                try {
                    connections = Integer.parseInt(arg(t, 2, "a number of connections"));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a number of connections: \"" + t[2] + "\"");
                }
                if (connections < 1) {
                    throw new IllegalArgumentException("connections is at least 1");
                }
                duration = ShapingDurations.parse(arg(t, 3, "a duration"));
                next = 4;
            }
            case "bounce" -> {
                kind = Kind.BOUNCE;
                next = 2;
            }
            default ->
                throw new IllegalArgumentException(
                        "unknown action \"" + t[1] + "\" (suspend, rate, connections or bounce)");
        }
        String matchKind = arg(t, next, "code or text").toLowerCase(Locale.ROOT);
        if (matchKind.equals("text")) {
            // the regular expression is the rest of the line, spaces included
            String[] parts = line.split("\\s+", next + 2);
            String rest = parts.length > next + 1 ? parts[next + 1].strip() : "";
            if (rest.isEmpty()) {
                throw new IllegalArgumentException("text needs a regular expression");
            }
            try {
                Pattern p = Pattern.compile(rest, Pattern.CASE_INSENSITIVE);
                return new ReactionRule(site, null, null, p, kind, rate, connections, duration, where);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("bad regular expression: " + e.getDescription());
            }
        }
        if (!matchKind.equals("code")) {
            throw new IllegalArgumentException("the match is code or text, not \"" + t[next] + "\"");
        }
        String basic = null;
        String enhanced = null;
        for (int i = next + 1; i < t.length; i++) {
            if (t[i].matches("[245]\\d\\d")) {
                basic = t[i];
            } else if (ENHANCED.matcher(t[i]).matches()) {
                enhanced = t[i];
            } else if (!t[i].equals("*")) {
                throw new IllegalArgumentException(
                        "not a reply code (421) or enhanced code (4.7.28, 4.7.*): \"" + t[i] + "\"");
            }
        }
        Pattern e = enhanced == null
                ? null
                : Pattern.compile(enhanced.replace(".", "\\.").replace("*", "\\d{1,3}"));
        return new ReactionRule(site, basic, e, null, kind, rate, connections, duration, where);
    }

    private static String arg(String[] t, int i, String what) {
        if (i >= t.length) {
            throw new IllegalArgumentException("missing " + what);
        }
        return t[i];
    }
}
