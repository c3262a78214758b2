package org.karavel.tls.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An MTA-STS policy as fetched from {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}
 * (RFC 8461 §3.2), with the {@code mx:} matching of §4.1.
 *
 * @param mode {@code enforce}, {@code testing} or {@code none}
 * @param maxAge how long the policy may be cached
 * @param mxPatterns the {@code mx:} values, lower case, in order
 * @param lines the policy's lines as fetched (for TLS-RPT {@code policy-string})
 */
record StsPolicy(String mode, Duration maxAge, List<String> mxPatterns, List<String> lines) {
    /** RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year). */
    static final long MAX_AGE_LIMIT = 31_557_600L;

    StsPolicy {
        mxPatterns = List.copyOf(mxPatterns);
        lines = List.copyOf(lines);
    }

    /** A policy that cannot be used, with the reason (reported as sts-policy-invalid). */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String reason) {
            super(reason);
        }
    }

    /**
     * Parses a policy body: {@code key: value} lines separated by LF or CRLF; {@code version: STSv1},
     * {@code mode} and {@code max_age} required, at least one {@code mx} unless the mode is none;
     * unknown keys are ignored, as §3.2 requires for extensions.
     */
    static StsPolicy parse(String body) throws Invalid {
        String version = null;
        String mode = null;
        Long maxAge = null;
        List<String> mx = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (String raw : body.split("\r?\n", -1)) {
            if (raw.isBlank()) {
                continue;
            }
            lines.add(raw);
            int colon = raw.indexOf(':');
            if (colon <= 0) {
                throw new Invalid("line without 'key: value': " + shorten(raw));
            }
            String key = raw.substring(0, colon);
            String value = raw.substring(colon + 1).strip();
            if (!key.matches("[A-Za-z0-9_]{1,32}")) {
                throw new Invalid("malformed key: " + shorten(key));
            }
            switch (key) {
                case "version" -> {
                    if (version != null) {
                        throw new Invalid("version given twice");
                    }
                    version = value;
                }
                case "mode" -> {
                    if (mode != null) {
                        throw new Invalid("mode given twice");
                    }
                    mode = value;
                }
                case "max_age" -> {
                    if (maxAge != null) {
                        throw new Invalid("max_age given twice");
                    }
                    if (!value.matches("[0-9]{1,10}") || Long.parseLong(value) > MAX_AGE_LIMIT) {
                        throw new Invalid("max_age must be 0 to " + MAX_AGE_LIMIT + ": " + shorten(value));
                    }
                    maxAge = Long.parseLong(value);
                }
                case "mx" -> {
                    String pattern = value.toLowerCase(Locale.ROOT);
                    if (!pattern.matches(
                            "(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.?")) {
                        throw new Invalid("malformed mx pattern: " + shorten(value));
                    }
                    mx.add(stripDot(pattern));
                }
                default -> {
                    // an extension field: ignored (RFC 8461 §3.2)
                }
            }
        }
        if (!"STSv1".equals(version)) {
            throw new Invalid(version == null ? "no version" : "unsupported version " + shorten(version));
        }
        if (mode == null || !(mode.equals("enforce") || mode.equals("testing") || mode.equals("none"))) {
            throw new Invalid(mode == null ? "no mode" : "unknown mode " + shorten(mode));
        }
        if (maxAge == null) {
            throw new Invalid("no max_age");
        }
        if (mx.isEmpty() && !mode.equals("none")) {
            throw new Invalid("no mx in a policy of mode " + mode);
        }
        return new StsPolicy(mode, Duration.ofSeconds(maxAge), mx, lines);
    }

    /** Whether an MX host matches one of the patterns. */
    boolean mxMatches(String mxHost) {
        return mxPatterns.stream().anyMatch(pattern -> mxMatches(pattern, mxHost));
    }

    /**
     * RFC 8461 §4.1: a pattern matches the name exactly, or {@code *.} followed by a domain matches a
     * name with exactly one more label on the left ({@code *.example.com} matches
     * {@code mx.example.com}, not {@code a.b.example.com} nor {@code example.com}). Case-insensitive.
     */
    static boolean mxMatches(String pattern, String mxHost) {
        String p = stripDot(pattern.toLowerCase(Locale.ROOT));
        String host = stripDot(mxHost.toLowerCase(Locale.ROOT));
        if (p.startsWith("*.")) {
            int dot = host.indexOf('.');
            return dot > 0 && host.substring(dot + 1).equals(p.substring(2));
        }
        return p.equals(host);
    }

    static String stripDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
