package org.karavel.api.queue;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The xtext encoding of RFC 3461 §4 (ENVID, ORCPT) and the utf-8-addr-xtext of RFC 6533 §3 (ORCPT
 * with address type {@code utf-8}): pure functions, shared by the SMTP listener (decoding what a
 * client sent) and delivery (encoding what it passes on).
 */
public final class Xtext {
    private Xtext() {}

    /**
     * Decodes xtext: printable ASCII except '+' and '=' as itself, "+HH" (upper-case hex) for any
     * octet.
     *
     * @return the decoded text, or null when {@code s} is not xtext or decodes to something other than
     *     printable ASCII (RFC 3461 §4: the decoded ENVID and rfc822 ORCPT are such)
     */
    public static String decode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                if (i + 2 >= s.length() || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
                    return null;
                }
                c = (char) Integer.parseInt(s.substring(i + 1, i + 3), 16);
                i += 2;
                if (c < 0x20 || c > 0x7e) {
                    return null;
                }
            } else if (c < 0x21 || c > 0x7e || c == '=') {
                return null;
            }
            out.append(c);
        }
        return out.toString();
    }

    /** Encodes printable ASCII as xtext: '+', '=' and anything outside '!'..'~' as "+HH". */
    public static String encode(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 0x21 || c > 0x7e || c == '+' || c == '=') {
                out.append('+').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }

    /**
     * Decodes RFC 6533's utf-8-addr-xtext and utf-8-addr-unitext: printable ASCII except '+', '='
     * and '\' as itself, {@code \x{HHHH}} for any Unicode character, and (unitext, under SMTPUTF8) raw
     * non-ASCII characters.
     *
     * @param unitext whether raw UTF-8 is allowed (MAIL carried SMTPUTF8)
     * @return the address, or null when {@code s} is not that
     */
    public static String decodeUtf8Address(String s, boolean unitext) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                int close = s.indexOf('}', i);
                if (!s.startsWith("\\x{", i) || close < i + 4 || close > i + 9) {
                    return null;
                }
                String hex = s.substring(i + 3, close);
                if (!hex.chars().allMatch(h -> isHex((char) h))) {
                    return null;
                }
                int cp = Integer.parseInt(hex, 16);
                if (cp < 0x20 || cp == 0x7f || !Character.isValidCodePoint(cp) || (cp >= 0xd800 && cp <= 0xdfff)) {
                    return null;
                }
                out.appendCodePoint(cp);
                i = close;
            } else if (c > 0x7e) {
                if (!unitext || Character.isISOControl(c)) {
                    return null;
                }
                out.append(c);
            } else if (c < 0x21 || c == '+' || c == '=') {
                return null;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Encodes an address as utf-8-addr-xtext (plain ASCII): the rest as {@code \x{HHHH}}. */
    public static String encodeUtf8Address(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        s.codePoints().forEach(cp -> {
            if (cp < 0x21 || cp > 0x7e || cp == '+' || cp == '=' || cp == '\\') {
                out.append("\\x{")
                        .append(Integer.toHexString(cp).toUpperCase(Locale.ROOT))
                        .append('}');
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
}
