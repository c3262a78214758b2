package org.karavel.smtp.internal;

import java.util.List;

/**
 * The argument of MAIL FROM: / RCPT TO:, split into the path and the parameters after it.
 * A space after the colon is tolerated (many clients send one); the path itself is checked
 * later, strictly, by {@link org.karavel.api.address.MailAddress#parsePath}.
 *
 * @param path the path including its angle brackets, or null when there is no well-formed one
 * @param parameters the {@code KEY[=VALUE]} words after the path
 */
record PathArgument(String path, List<String> parameters) {
    private static final PathArgument BAD_PATH = new PathArgument(null, List.of());

    PathArgument {
        parameters = List.copyOf(parameters);
    }

    /** Null when the argument does not start with {@code keyword} (e.g. "FROM:"), case-insensitively. */
    static PathArgument parse(String arg, String keyword) {
        if (!arg.regionMatches(true, 0, keyword, 0, keyword.length())) {
            return null;
        }
        String rest = arg.substring(keyword.length()).stripLeading();
        if (!rest.startsWith("<")) {
            return BAD_PATH;
        }
        int end = closingBracket(rest);
        if (end < 0) {
            return BAD_PATH;
        }
        String tail = rest.substring(end + 1);
        if (!tail.isEmpty() && tail.charAt(0) != ' ') {
            return BAD_PATH;
        }
        String params = tail.strip();
        return new PathArgument(rest.substring(0, end + 1), params.isEmpty() ? List.of() : List.of(params.split(" +")));
    }

    /** The '>' that closes the path, skipping quoted strings (a quoted local part may hold '>'). */
    private static int closingBracket(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        return -1;
    }
}
