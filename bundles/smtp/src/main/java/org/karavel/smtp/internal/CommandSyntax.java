package org.karavel.smtp.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.DsnRequest;

/**
 * The syntax of command lines, strictly: line decoding, HELO names, the arguments of MAIL, RCPT
 * and BDAT and their parameters. Pure functions; which command may come when is the session's.
 * {@link PathArgument} splits a MAIL/RCPT argument into its path and parameters.
 */
final class CommandSyntax {
    private CommandSyntax() {}

    /**
     * A MAIL FROM: argument, checked.
     *
     * @param sender null when refused
     * @param parameters the accepted parameters (SIZE, BODY, SMTPUTF8), upper-case keys
     * @param refusal the reply when the argument is refused, else null
     */
    record Mail(MailAddress sender, Map<String, String> parameters, Reply refusal) {
        static Mail refused(Reply r) {
            return new Mail(null, Map.of(), r);
        }

        boolean smtputf8() {
            return parameters.containsKey("SMTPUTF8");
        }
    }

    /**
     * A RCPT TO: argument, checked: the recipient and its DSN request (NOTIFY, ORCPT; {@link
     * DsnRequest#NONE} when none), or the reply that refuses it.
     */
    record Rcpt(MailAddress recipient, DsnRequest dsn, Reply refusal) {
        static Rcpt refused(Reply r) {
            return new Rcpt(null, DsnRequest.NONE, r);
        }
    }

    /** A BDAT argument: the chunk's size and whether it is the last. */
    record Bdat(long size, boolean last) {}

    /** MAIL FROM:&lt;path&gt; [parameters], after EHLO ({@code extended}) or HELO. */
    static Mail mail(String arg, boolean extended, long maxMessageSize) {
        PathArgument p = PathArgument.parse(arg, "FROM:");
        if (p == null) {
            return Mail.refused(Replies.SYNTAX_MAIL);
        }
        if (p.path() == null) {
            return Mail.refused(Replies.BAD_SENDER);
        }
        Map<String, String> params = new LinkedHashMap<>();
        Reply bad = mailParameters(p.parameters(), extended, maxMessageSize, params);
        if (bad != null) {
            return Mail.refused(bad);
        }
        boolean smtputf8 = params.containsKey("SMTPUTF8");
        if (!smtputf8 && !isAscii(p.path())) {
            return Mail.refused(Replies.NON_ASCII_SENDER);
        }
        try {
            return new Mail(MailAddress.parsePath(p.path(), true, smtputf8), Map.copyOf(params), null);
        } catch (AddressSyntaxException e) {
            return Mail.refused(Replies.BAD_SENDER);
        }
    }

    /**
     * Checks MAIL parameters. Supported: SIZE, BODY=7BIT|8BITMIME, SMTPUTF8, and DSN's RET=FULL|HDRS
     * (kept upper case) and ENVID (xtext, at most 100 characters, kept decoded). Refused with 555:
     * everything else, including BODY=BINARYMIME (not offered).
     */
    private static Reply mailParameters(
            List<String> given, boolean extended, long maxMessageSize, Map<String, String> params) {
        for (String param : given) {
            int eq = param.indexOf('=');
            String key = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : param.substring(eq + 1);
            if (!key.matches("[A-Z0-9][A-Z0-9-]*") || (value != null && !isParameterValue(value))) {
                return Replies.SYNTAX_PARAMETERS;
            }
            if (!extended) {
                return Replies.parameterWithoutEhlo(key);
            }
            if (params.containsKey(key)) {
                return Replies.duplicateParameter(key);
            }
            Reply bad = mailParameter(key, value, maxMessageSize, params);
            if (bad != null) {
                return bad;
            }
        }
        return null;
    }

    private static Reply mailParameter(String key, String value, long maxMessageSize, Map<String, String> params) {
        switch (key) {
            case "SIZE":
                if (value == null || !value.matches("[0-9]{1,20}")) {
                    return Replies.BAD_SIZE;
                }
                if (value.length() > 18 || Long.parseLong(value) > maxMessageSize) {
                    return Replies.SIZE_EXCEEDED;
                }
                params.put(key, value);
                return null;
            case "BODY":
                String body = value == null ? "" : value.toUpperCase(Locale.ROOT);
                if (body.equals("BINARYMIME")) {
                    return Replies.BINARYMIME;
                }
                if (!body.equals("7BIT") && !body.equals("8BITMIME")) {
                    return Replies.BAD_BODY;
                }
                params.put(key, body);
                return null;
            case "SMTPUTF8":
                if (value != null) {
                    return Replies.SMTPUTF8_VALUE;
                }
                params.put(key, "");
                return null;
            case "RET":
                String ret = value == null ? "" : value.toUpperCase(Locale.ROOT);
                if (!ret.equals("FULL") && !ret.equals("HDRS")) {
                    return Replies.badParameter(key);
                }
                params.put(key, ret);
                return null;
            case "ENVID":
                String envid = DsnParameters.envid(value);
                if (envid == null) {
                    return Replies.badParameter(key);
                }
                params.put(key, envid);
                return null;
            default:
                return Replies.unsupportedParameter(key);
        }
    }

    /**
     * RCPT TO:&lt;path&gt; [NOTIFY=...] [ORCPT=...] (RFC 3461); any other parameter is refused with 555.
     *
     * @param smtputf8 whether MAIL carried SMTPUTF8
     * @param extended whether the session began with EHLO (parameters need it)
     * @param hostname ours: a bare {@code <Postmaster>} means postmaster@hostname
     */
    static Rcpt rcpt(String arg, boolean smtputf8, boolean extended, String hostname) {
        PathArgument p = PathArgument.parse(arg, "TO:");
        if (p == null) {
            return Rcpt.refused(Replies.SYNTAX_RCPT);
        }
        if (p.path() == null) {
            return Rcpt.refused(Replies.BAD_RECIPIENT);
        }
        DsnParameters.Rcpt dsn = DsnParameters.rcpt(p.parameters(), extended, smtputf8);
        if (dsn.refusal() != null) {
            return Rcpt.refused(dsn.refusal());
        }
        try {
            if (p.path().equalsIgnoreCase("<postmaster>")) {
                // RFC 5321 §4.5.1: <Postmaster> without a domain must be accepted; it means ours
                return new Rcpt(MailAddress.parse("postmaster@" + hostname, false), dsn.request(), null);
            }
            if (!smtputf8 && !isAscii(p.path())) {
                return Rcpt.refused(Replies.NON_ASCII_RECIPIENT);
            }
            return new Rcpt(MailAddress.parsePath(p.path(), false, smtputf8), dsn.request(), null);
        } catch (AddressSyntaxException e) {
            return Rcpt.refused(Replies.BAD_RECIPIENT);
        }
    }

    /** BDAT size [LAST] (RFC 3030); null when that is not what {@code arg} says. */
    static Bdat bdat(String arg) {
        String[] words = arg.isEmpty() ? new String[0] : arg.split(" +");
        if (words.length < 1
                || words.length > 2
                || !words[0].matches("[0-9]{1,18}")
                || (words.length == 2 && !words[1].equalsIgnoreCase("LAST"))) {
            return null;
        }
        return new Bdat(Long.parseLong(words[0]), words.length == 2);
    }

    /** Whether b[from, to) holds a line feed; searched from the end, where a line usually ends. */
    static boolean completesLine(byte[] b, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (b[i] == '\n') {
                return true;
            }
        }
        return false;
    }

    static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the buffered line starts with "AUTH ": such lines may be longer (RFC 4954 §4). */
    static boolean startsWithAuth(byte[] b, int start, int end) {
        if (end - start < 5) {
            return false;
        }
        return (b[start] | 0x20) == 'a'
                && (b[start + 1] | 0x20) == 'u'
                && (b[start + 2] | 0x20) == 't'
                && (b[start + 3] | 0x20) == 'h'
                && b[start + 4] == ' ';
    }

    /** The command as text: strict UTF-8 without NUL or CR; null when it is not that. */
    static String decodeLine(byte[] b, int from, int to) {
        boolean ascii = true;
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c == 0 || c == '\r') {
                return null;
            }
            if (c < 0) {
                ascii = false;
            }
        }
        if (ascii) {
            return new String(b, from, to - from, StandardCharsets.US_ASCII);
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, from, to - from))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** A HELO/EHLO argument: one word of visible ASCII, as it goes into the Received header. */
    static boolean isHeloName(String s) {
        if (s.isEmpty() || s.length() > 255) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '(' || c == ')') {
                return false;
            }
        }
        return true;
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** esmtp-value of RFC 5321 (and RFC 6531: UTF-8 allowed): no '=', no space, no control character. */
    static boolean isParameterValue(String v) {
        if (v.isEmpty()) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c <= 0x20 || c == '=' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }
}
