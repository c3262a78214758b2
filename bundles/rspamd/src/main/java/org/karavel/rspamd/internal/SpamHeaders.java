package org.karavel.rspamd.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.Verdict;

/**
 * The header fields the rspamd filter writes, and the removal of the same fields when a client sent
 * them: a spammer's own {@code X-Spamd-Result: default: False [-10 / 15]} must not reach a mail
 * reader's rules as if this server had written it.
 */
final class SpamHeaders {
    static final String SPAM = "X-Spam";
    static final String RESULT = "X-Spamd-Result";
    static final String STATUS = "X-Spam-Status";
    /** Stays under RFC 5322's 998-octet line limit: the filter API adds fields unfolded. */
    static final int MAX_RESULT_LENGTH = 900;

    private static final Set<String> OURS =
            Set.of(SPAM.toLowerCase(Locale.ROOT), RESULT.toLowerCase(Locale.ROOT), STATUS.toLowerCase(Locale.ROOT));

    private SpamHeaders() {}

    /** The verdict with every received field of ours taken out. */
    static Verdict withoutReceived(Verdict verdict, MessageView message) {
        Verdict v = verdict;
        List<Verdict.Header> received = message.headers();
        for (int i = 0; i < received.size(); i++) {
            if (OURS.contains(received.get(i).name().toLowerCase(Locale.ROOT))) {
                v = v.withHeaderRemoved(i);
            }
        }
        return v;
    }

    /**
     * Rspamd's result in the form of its own milter headers, on one line:
     * {@code default: False [1.10 / 15.00]; RDNS_NONE(1.00); ONCE_RECEIVED(0.10)}.
     */
    static String result(RspamdAnswer answer) {
        StringBuilder sb = new StringBuilder("default: ")
                .append(answer.spam() ? "True" : "False")
                .append(" [")
                .append(score(answer.score()))
                .append(" / ")
                .append(Double.isNaN(answer.requiredScore()) ? "-" : score(answer.requiredScore()))
                .append(']');
        for (RspamdAnswer.Symbol s : answer.symbols()) {
            String item = "; " + printable(s.name()) + "(" + score(s.score()) + ")";
            if (sb.length() + item.length() > MAX_RESULT_LENGTH - 5) {
                sb.append("; ...");
                break;
            }
            sb.append(item);
        }
        return sb.toString();
    }

    /** The verdict with the Subject fields replaced by Rspamd's rewritten one. */
    static Verdict withSubject(Verdict verdict, MessageView message, String subject) {
        Verdict v = verdict;
        List<Verdict.Header> received = message.headers();
        for (int i = 0; i < received.size(); i++) {
            if (received.get(i).name().equalsIgnoreCase("Subject")) {
                v = v.withHeaderRemoved(i);
            }
        }
        return v.withHeader("Subject", encoded(subject));
    }

    /** A Subject value as a header may carry it: ASCII as it is, anything else as RFC 2047 words. */
    static String encoded(String text) {
        String oneLine = text.replaceAll("[\\r\\n\\t]+", " ").trim();
        if (oneLine.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            return oneLine;
        }
        // encoded-words of at most 75 characters (RFC 2047 §2): 45 octets of UTF-8 make 60 of Base64
        StringBuilder sb = new StringBuilder();
        int start = 0;
        while (start < oneLine.length()) {
            int end = start;
            int octets = 0;
            while (end < oneLine.length()) {
                int cp = oneLine.codePointAt(end);
                int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                if (octets + n > 45) {
                    break;
                }
                octets += n;
                end += Character.charCount(cp);
            }
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append("=?UTF-8?B?")
                    .append(Base64.getEncoder()
                            .encodeToString(oneLine.substring(start, end).getBytes(StandardCharsets.UTF_8)))
                    .append("?=");
            start = end;
        }
        return sb.toString();
    }

    /** Text from Rspamd for an SMTP reply: printable ASCII, one line, at most 200 characters. */
    static String replyText(String text) {
        String t = printable(text).trim();
        return t.length() > 200 ? t.substring(0, 200) : t;
    }

    private static String printable(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }

    private static String score(double d) {
        return String.format(Locale.ROOT, "%.2f", d);
    }
}
