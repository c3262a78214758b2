package org.karavel.api.address;

import java.util.ArrayList;
import java.util.List;

/**
 * The addresses of a From field value (RFC 5322 §3.6.2 mailbox-list): comments and quoted display
 * names skipped, angle addresses taken, groups not expected. Enough to find the author domain. One
 * reader for every bundle (the smtp From check, DKIM signing, DMARC), so that the address a user
 * is allowed to send as is the one that is signed and checked.
 */
public final class FromField {
    private FromField() {}

    /** The addresses in a From field's (unfolded) value, as written, in order; text that is no address is left out. */
    public static List<String> addresses(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        StringBuilder angle = null;
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
                continue;
            }
            if (depth > 0) {
                if (c == '\\') {
                    i++;
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                }
                continue;
            }
            switch (c) {
                case '"' -> quoted = angle == null ? true : quoted;
                case '(' -> depth++;
                case '<' -> angle = new StringBuilder();
                case '>' -> {
                    if (angle != null) {
                        current.setLength(0);
                        current.append('<').append(angle);
                        angle = null;
                    }
                }
                case ',' -> {
                    add(out, current);
                    current.setLength(0);
                }
                default -> {
                    if (angle != null) {
                        angle.append(c);
                    } else if (!Character.isWhitespace(c)) {
                        current.append(c);
                    }
                }
            }
        }
        add(out, current);
        return out;
    }

    private static void add(List<String> out, StringBuilder sb) {
        String s = sb.toString();
        if (s.startsWith("<")) {
            out.add(s.substring(1).strip());
        } else if (!s.isBlank()) {
            out.add(s); // a bare addr-spec (display-name words alone have no '@' and give no domain later)
        }
    }
}
