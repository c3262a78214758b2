package org.karavel.api.address;

import com.ibm.icu.text.IDNA;
import java.util.Locale;

/**
 * The one conversion of a domain name to the ASCII form that DNS, relay decisions, queue keys and
 * Maildir paths use: IDNA2008 through Unicode UTS #46, non-transitional, as current browsers and
 * Postfix (with ICU) do. The JDK's {@code java.net.IDN} is IDNA2003, which maps {@code faß.de} to
 * {@code fass.de}, another domain under IDNA2008: one function here keeps every bundle on one answer.
 */
public final class DomainName {
    // no STD3 rules: DNS owner names such as _domainkey and _mta-sts carry underscores
    private static final IDNA UTS46 = IDNA.getUTS46Instance(IDNA.NONTRANSITIONAL_TO_ASCII
            | IDNA.NONTRANSITIONAL_TO_UNICODE
            | IDNA.CHECK_BIDI
            | IDNA.CHECK_CONTEXTJ
            | IDNA.CHECK_CONTEXTO);

    private DomainName() {}

    /**
     * The domain in lower-case ASCII (A-labels for internationalized labels). An address literal
     * ({@code [192.0.2.1]}) is returned in lower case as it is.
     *
     * @throws IllegalArgumentException when the name is not a valid IDNA2008 name (the message says why)
     */
    public static String toAscii(String domain) {
        if (domain.startsWith("[")) {
            return domain.toLowerCase(Locale.ROOT);
        }
        if (isPlainAscii(domain)) {
            return domain.toLowerCase(Locale.ROOT);
        }
        StringBuilder ascii = new StringBuilder(domain.length() + 16);
        IDNA.Info info = new IDNA.Info();
        UTS46.nameToASCII(domain, ascii, info);
        if (info.hasErrors()) {
            throw new IllegalArgumentException(
                    "not a valid internationalized domain name: " + domain + " " + info.getErrors());
        }
        return ascii.toString().toLowerCase(Locale.ROOT);
    }

    /** The domain with its A-labels shown as Unicode, for people (logs keep the ASCII form). */
    public static String toUnicode(String domain) {
        StringBuilder unicode = new StringBuilder(domain.length());
        IDNA.Info info = new IDNA.Info();
        UTS46.nameToUnicode(domain, unicode, info);
        return info.hasErrors() ? domain : unicode.toString();
    }

    // ASCII without A-labels needs no mapping: the common case, and the one the resolver sees most
    private static boolean isPlainAscii(String domain) {
        for (int i = 0; i < domain.length(); i++) {
            if (domain.charAt(i) >= 0x80) {
                return false;
            }
        }
        return !domain.regionMatches(true, 0, "xn--", 0, 4)
                && !domain.toLowerCase(Locale.ROOT).contains(".xn--");
    }
}
