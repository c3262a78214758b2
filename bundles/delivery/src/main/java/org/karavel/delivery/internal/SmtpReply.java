package org.karavel.delivery.internal;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One (possibly multi-line) SMTP reply.
 *
 * @param code the three-digit reply code
 * @param lines the text of each line, without the code and separator
 */
record SmtpReply(int code, List<String> lines) {
    private static final Pattern ENHANCED = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?=\\s|$)");

    SmtpReply {
        lines = List.copyOf(lines);
    }

    boolean isPositive() {
        return code >= 200 && code < 300;
    }

    boolean isTransient() {
        return code >= 400 && code < 500;
    }

    boolean isPermanent() {
        return code >= 500;
    }

    /** The enhanced status code of the first line, or one derived from the reply code ({@code 5.0.0}). */
    String status() {
        String s = enhancedStatus(lines.isEmpty() ? "" : lines.get(0));
        return s != null ? s : (code / 100) + ".0.0";
    }

    /** The whole reply on one line, as logged and put into a DSN: {@code 550 5.1.1 <a@b>: unknown}. */
    String text() {
        StringBuilder sb = new StringBuilder().append(code);
        String previousStatus = null;
        for (String l : lines) {
            String t = l.strip();
            // multi-line replies repeat the enhanced code on every line; keep it once
            String st = enhancedStatus(t);
            if (st != null && st.equals(previousStatus)) {
                t = t.substring(st.length()).strip();
            }
            previousStatus = previousStatus == null ? st : previousStatus;
            if (!t.isEmpty()) {
                sb.append(' ').append(t);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return text();
    }

    /** The enhanced status code at the start of a reply text, or null. */
    static String enhancedStatus(String text) {
        Matcher m = ENHANCED.matcher(text);
        return m.find() ? m.group(1) + "." + m.group(2) + "." + m.group(3) : null;
    }

    /** The enhanced code in a recorded reply such as {@code 451 4.3.0 text}, or null. */
    static String statusOfText(String reply) {
        if (reply.length() > 4
                && reply.substring(0, 3).chars().allMatch(Character::isDigit)
                && reply.charAt(3) == ' ') {
            return enhancedStatus(reply.substring(4));
        }
        return enhancedStatus(reply);
    }
}
