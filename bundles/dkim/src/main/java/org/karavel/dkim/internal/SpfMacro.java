package org.karavel.dkim.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * SPF macro expansion (RFC 7208 §7): {@code %{s} %{l} %{o} %{d} %{i} %{p} %{v} %{h}} with a digit
 * count, {@code r} (reverse) and delimiters, upper-case letters URL-escaped, and {@code %% %_ %-}.
 * {@code c r t} are only allowed in exp=, which this bundle ignores, so they are refused here.
 */
public final class SpfMacro {
    /** What the macros stand for in one check_host() call. */
    public record Context(String sender, String domain, InetAddress ip, String helo, String validatedName) {
        String localPart() {
            int at = sender.lastIndexOf('@');
            return at <= 0 ? "postmaster" : sender.substring(0, at);
        }

        String senderDomain() {
            int at = sender.lastIndexOf('@');
            return at < 0 ? sender : sender.substring(at + 1);
        }
    }

    /** A macro-string that breaks the grammar: a permerror. */
    public static final class SyntaxException extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxException(String message) {
            super(message);
        }
    }

    private SpfMacro() {}

    /** Whether expanding this string needs the validated name of the client (the p macro). */
    public static boolean needsValidatedName(String macroString) {
        return macroString.toLowerCase(Locale.ROOT).contains("%{p");
    }

    /** Checks the grammar only (no values needed). */
    public static void check(String macroString) throws SyntaxException {
        expand(macroString, null);
    }

    public static String expand(String macroString, Context ctx) throws SyntaxException {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < macroString.length()) {
            char c = macroString.charAt(i);
            if (c != '%') {
                if (c < 0x21 || c > 0x7e) {
                    throw new SyntaxException("invalid character in macro string");
                }
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 >= macroString.length()) {
                throw new SyntaxException("'%' at end of macro string");
            }
            char n = macroString.charAt(i + 1);
            switch (n) {
                case '%' -> out.append('%');
                case '_' -> out.append(' ');
                case '-' -> out.append("%20");
                case '{' -> {
                    int close = macroString.indexOf('}', i + 2);
                    if (close < 0) {
                        throw new SyntaxException("unclosed macro");
                    }
                    out.append(expandOne(macroString.substring(i + 2, close), ctx));
                    i = close + 1;
                    continue;
                }
                default -> throw new SyntaxException("invalid macro %" + n);
            }
            i += 2;
        }
        return out.toString();
    }

    private static String expandOne(String spec, Context ctx) throws SyntaxException {
        if (spec.isEmpty()) {
            throw new SyntaxException("empty macro");
        }
        char letter = spec.charAt(0);
        char lower = Character.toLowerCase(letter);
        if ("slodipvh".indexOf(lower) < 0) {
            throw new SyntaxException("invalid macro letter " + letter);
        }
        int p = 1;
        int digitsStart = p;
        while (p < spec.length() && Character.isDigit(spec.charAt(p))) {
            p++;
        }
        int keep = Integer.MAX_VALUE;
        if (p > digitsStart) {
            String digits = spec.substring(digitsStart, p);
            keep = digits.length() > 3 ? 1000 : Integer.parseInt(digits);
            if (keep == 0) {
                throw new SyntaxException("zero label count in macro");
            }
        }
        boolean reverse = false;
        if (p < spec.length() && (spec.charAt(p) == 'r' || spec.charAt(p) == 'R')) {
            reverse = true;
            p++;
        }
        String delimiters = spec.substring(p);
        for (char d : delimiters.toCharArray()) {
            if (".-+,/_=".indexOf(d) < 0) {
                throw new SyntaxException("invalid delimiter " + d);
            }
        }
        if (ctx == null) {
            return "";
        }
        String value = switch (lower) {
            case 's' -> ctx.sender();
            case 'l' -> ctx.localPart();
            case 'o' -> ctx.senderDomain();
            case 'd' -> ctx.domain();
            case 'i' -> ipDots(ctx.ip());
            case 'p' -> ctx.validatedName() == null ? "unknown" : ctx.validatedName();
            case 'v' -> ctx.ip() instanceof Inet6Address ? "ip6" : "in-addr";
            default -> ctx.helo();
        };
        List<String> parts = new ArrayList<>(
                Arrays.asList(value.split("[" + Pattern.quote(delimiters.isEmpty() ? "." : delimiters) + "]", -1)));
        if (reverse) {
            Collections.reverse(parts);
        }
        if (keep < parts.size()) {
            parts = parts.subList(parts.size() - keep, parts.size());
        }
        String joined = String.join(".", parts);
        return Character.isUpperCase(letter) ? urlEscape(joined) : joined;
    }

    /** The i macro: dotted quad for IPv4, dot-separated nibbles for IPv6. */
    static String ipDots(InetAddress ip) {
        byte[] a = ip.getAddress();
        if (a.length == 4) {
            return ip.getHostAddress();
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : a) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16))
                    .append('.')
                    .append(Character.forDigit(b & 0xf, 16))
                    .append('.');
        }
        return sb.substring(0, sb.length() - 1);
    }

    private static String urlEscape(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0)) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
            }
        }
        return sb.toString();
    }

    /** A domain-spec after expansion: cut labels from the left until at most 253 characters (§7.3). */
    static String truncateDomain(String domain) {
        String d = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        while (d.length() > 253 && d.indexOf('.') >= 0) {
            d = d.substring(d.indexOf('.') + 1);
        }
        return d;
    }
}
