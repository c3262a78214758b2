package org.karavel.dkim.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Authentication-Results header field (RFC 8601): builds ours, and reads the authserv-id of a
 * received one so that fields forging our id can be removed.
 */
public final class AuthenticationResults {
    public static final String NAME = "Authentication-Results";

    private final String authservId;
    private final List<String> results = new ArrayList<>();

    public AuthenticationResults(String authservId) {
        this.authservId = authservId;
    }

    /** Adds one resinfo: {@code method=result (comment) ptype.property=value ...}; properties as name, value pairs. */
    public AuthenticationResults add(String method, String result, String comment, String... properties) {
        StringBuilder sb = new StringBuilder(method).append('=').append(result);
        if (comment != null && !comment.isBlank()) {
            sb.append(" (").append(comment(comment)).append(')');
        }
        for (int i = 0; i + 1 < properties.length; i += 2) {
            if (properties[i + 1] != null && !properties[i + 1].isEmpty()) {
                sb.append(' ').append(properties[i]).append('=').append(value(properties[i + 1]));
            }
        }
        results.add(sb.toString());
        return this;
    }

    /** The field value: {@code authserv-id; resinfo; resinfo}, or {@code authserv-id; none}. */
    public String value() {
        return authservId + "; " + (results.isEmpty() ? "none" : String.join("; ", results));
    }

    /** A comment's text with the characters that would end it or break the field taken out. */
    private static String comment(String text) {
        return text.replaceAll("[()\\\\\\r\\n]", " ").strip();
    }

    /** A property value: a token when it is one, else a quoted-string (RFC 2045 token, RFC 5322 quoted-string). */
    static String value(String v) {
        if (v.matches("[!#$%&'*+\\-.0-9A-Z^_`a-z{|}~@]+") && !v.startsWith("@")) {
            return v;
        }
        return '"' + v.replace("\\", "\\\\").replace("\"", "\\\"").replaceAll("[\\r\\n]", " ") + '"';
    }

    /** The authserv-id of a received field's value: the first token, comments skipped; {@code ""} if none. */
    public static String authservIdOf(String value) {
        String v = stripComments(value).strip();
        int end = 0;
        while (end < v.length() && v.charAt(end) != ';' && !Character.isWhitespace(v.charAt(end))) {
            end++;
        }
        String id = v.substring(0, end);
        if (id.length() >= 2 && id.startsWith("\"") && id.endsWith("\"")) {
            id = id.substring(1, id.length() - 1);
        }
        return id.toLowerCase(Locale.ROOT);
    }

    private static String stripComments(String s) {
        StringBuilder out = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && depth > 0) {
                i++;
            } else if (c == '(') {
                depth++;
                out.append(' ');
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0) {
                out.append(c);
            }
        }
        return out.toString();
    }
}
