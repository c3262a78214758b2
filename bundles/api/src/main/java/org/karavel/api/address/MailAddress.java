package org.karavel.api.address;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * A mailbox as RFC 5321 §4.1.2 defines it: {@code Local-part "@" ( Domain / address-literal )},
 * or the null reverse-path {@code <>}.
 *
 * <p>Parsing is strict on purpose: relay decisions are made on {@link #domain()}, so anything that
 * could make two parsers disagree about which domain an address belongs to is refused here.
 */
public final class MailAddress {
    /** The null reverse-path {@code <>}: bounces and other notifications use it. */
    public static final MailAddress NULL_SENDER = new MailAddress("", "", false);

    public static final int MAX_LOCAL_PART = 64;
    public static final int MAX_DOMAIN = 255;
    public static final int MAX_PATH = 256;

    private final String localPart;
    private final String domain;
    private final boolean quoted;
    private final String domainKey;

    private MailAddress(String localPart, String domain, boolean quoted) {
        this.localPart = localPart;
        this.domain = domain;
        this.quoted = quoted;
        this.domainKey = comparable(domain);
    }

    /**
     * Parses a Mailbox (no angle brackets). With {@code utf8} the SMTPUTF8 grammar (RFC 6531) applies:
     * non-ASCII is allowed in atoms, quoted strings and domain labels.
     */
    public static MailAddress parse(String mailbox, boolean utf8) throws AddressSyntaxException {
        Objects.requireNonNull(mailbox, "mailbox");
        Parser p = new Parser(mailbox, utf8);
        MailAddress a = p.mailbox();
        if (!p.atEnd()) {
            throw new AddressSyntaxException("unexpected character '" + p.peekString() + "' after domain");
        }
        return a;
    }

    public static MailAddress parse(String mailbox) throws AddressSyntaxException {
        return parse(mailbox, true);
    }

    /**
     * Parses a Path or Reverse-path: {@code <mailbox>}, {@code <@relay,@relay:mailbox>} or {@code <>}
     * (the latter only when {@code allowNull}). A source route is accepted and ignored, as RFC 5321
     * §3.3 and appendix C require.
     *
     * @return the mailbox, or {@link #NULL_SENDER}
     */
    public static MailAddress parsePath(String path, boolean allowNull, boolean utf8) throws AddressSyntaxException {
        Objects.requireNonNull(path, "path");
        if (utf8Length(path) > MAX_PATH + 2) {
            throw new AddressSyntaxException("path longer than " + MAX_PATH + " characters");
        }
        if (!path.startsWith("<") || !path.endsWith(">") || path.length() < 2) {
            throw new AddressSyntaxException("path must be enclosed in <>");
        }
        String inner = path.substring(1, path.length() - 1);
        if (inner.isEmpty()) {
            if (allowNull) {
                return NULL_SENDER;
            }
            throw new AddressSyntaxException("null path not allowed here");
        }
        Parser p = new Parser(inner, utf8);
        if (p.peek() == '@') {
            p.sourceRoute();
        }
        MailAddress a = p.mailbox();
        if (!p.atEnd()) {
            throw new AddressSyntaxException("unexpected character '" + p.peekString() + "' in path");
        }
        return a;
    }

    /** The local part as written, including quotes when it was quoted. */
    public String localPart() {
        return localPart;
    }

    /** The domain or address literal as written (case preserved). */
    public String domain() {
        return domain;
    }

    /**
     * The domain in lower-case ASCII (IDNA2008 A-labels, {@link DomainName#toAscii}), for comparisons,
     * relay decisions, queue keys and Maildir paths: {@code Bücher.example} and
     * {@code xn--bcher-kva.example} are one domain. Domains are case-insensitive (RFC 5321 §2.4).
     */
    public String domainKey() {
        return domainKey;
    }

    // a name IDNA2008 refuses keeps its lower-case form: it can match nothing in DNS, but the key is total
    private static String comparable(String domain) {
        try {
            return DomainName.toAscii(domain);
        } catch (IllegalArgumentException e) {
            return domain.toLowerCase(Locale.ROOT);
        }
    }

    public boolean isNullSender() {
        return this == NULL_SENDER;
    }

    /** Whether the local part is a Quoted-string. */
    public boolean isQuoted() {
        return quoted;
    }

    /** Whether the domain part is an address literal such as {@code [192.0.2.1]}. */
    public boolean isAddressLiteral() {
        return domain.startsWith("[");
    }

    /** Whether any part holds non-ASCII characters, so that SMTPUTF8 is needed to pass it on. */
    public boolean needsSmtpUtf8() {
        return !isAscii(localPart) || !isAscii(domain);
    }

    /** The address in angle brackets, as it goes after MAIL FROM: or RCPT TO:. */
    public String toPath() {
        return "<" + this + ">";
    }

    @Override
    public String toString() {
        return isNullSender() ? "" : localPart + "@" + domain;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof MailAddress)) {
            return false;
        }
        MailAddress other = (MailAddress) o;
        // local parts are case-sensitive in principle (RFC 5321 §2.4); domains are not
        return localPart.equals(other.localPart) && domainKey().equals(other.domainKey());
    }

    @Override
    public int hashCode() {
        return Objects.hash(localPart, domainKey());
    }

    /** RFC 5321 and 6531 limits count octets, so non-ASCII counts as its UTF-8 length. */
    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Non-ASCII that may appear in an address: no controls (C1 included), spaces or invisible format characters. */
    private static boolean isVisibleNonAscii(char c) {
        if (c <= 0x7f || Character.isISOControl(c) || Character.isWhitespace(c) || Character.isSpaceChar(c)) {
            return false;
        }
        int type = Character.getType(c);
        return type != Character.FORMAT && type != Character.UNASSIGNED && type != Character.PRIVATE_USE;
    }

    /** RFC 5321 §4.1.3 IPv6-addr: full, compressed (at most 6 groups besides "::"), and the IPv4-tailed forms. */
    static boolean isIpv6Literal(String a) {
        String v4 = null;
        int lastColon = a.lastIndexOf(':');
        if (a.indexOf('.') >= 0) {
            v4 = a.substring(lastColon + 1);
            if (!isIpv4Literal(v4)) {
                return false;
            }
            a = a.substring(0, lastColon + 1);
            if (a.endsWith(":") && !a.endsWith("::")) {
                a = a.substring(0, a.length() - 1);
            }
        }
        int tailGroups = v4 == null ? 0 : 2;
        int dc = a.indexOf("::");
        if (dc >= 0) {
            if (a.indexOf("::", dc + 1) >= 0) {
                return false;
            }
            int groups = countGroups(a.substring(0, dc)) + countGroups(a.substring(dc + 2));
            return groups >= 0
                    && countGroups(a.substring(0, dc)) >= 0
                    && countGroups(a.substring(dc + 2)) >= 0
                    && groups + tailGroups <= 6;
        }
        return countGroups(a) == 8 - tailGroups;
    }

    /** The number of colon-separated 1-4 digit hex groups, or -1 when malformed. "" has none. */
    private static int countGroups(String part) {
        if (part.isEmpty()) {
            return 0;
        }
        String[] groups = part.split(":", -1);
        for (String g : groups) {
            if (!g.matches("[0-9A-Fa-f]{1,4}")) {
                return -100;
            }
        }
        return groups.length;
    }

    static boolean isIpv4Literal(String a) {
        return a.matches("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static final class Parser {
        private final String s;
        private final boolean utf8;
        private int pos;

        Parser(String s, boolean utf8) {
            this.s = s;
            this.utf8 = utf8;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        char peek() {
            return atEnd() ? '\0' : s.charAt(pos);
        }

        String peekString() {
            return atEnd() ? "" : s.substring(pos, pos + 1);
        }

        void expect(char c) throws AddressSyntaxException {
            if (peek() != c) {
                throw new AddressSyntaxException("expected '" + c + "' at position " + pos);
            }
            pos++;
        }

        void sourceRoute() throws AddressSyntaxException {
            do {
                expect('@');
                domain();
            } while (peek() == ',' && ++pos > 0);
            expect(':');
        }

        MailAddress mailbox() throws AddressSyntaxException {
            int start = pos;
            boolean quoted = peek() == '"';
            if (quoted) {
                quotedString();
            } else {
                dotString();
            }
            String local = s.substring(start, pos);
            if (utf8Length(local) > MAX_LOCAL_PART) {
                throw new AddressSyntaxException("local part longer than " + MAX_LOCAL_PART + " characters");
            }
            expect('@');
            int domStart = pos;
            if (peek() == '[') {
                addressLiteral();
            } else {
                domain();
            }
            String dom = s.substring(domStart, pos);
            if (utf8Length(dom) > MAX_DOMAIN) {
                throw new AddressSyntaxException("domain longer than " + MAX_DOMAIN + " characters");
            }
            return new MailAddress(local, dom, quoted);
        }

        private void dotString() throws AddressSyntaxException {
            atom();
            while (peek() == '.') {
                pos++;
                atom();
            }
        }

        private void atom() throws AddressSyntaxException {
            int start = pos;
            while (!atEnd() && isAtext(s.charAt(pos))) {
                pos++;
            }
            if (pos == start) {
                throw new AddressSyntaxException(
                        atEnd()
                                ? "local part is empty or ends with '.'"
                                : "character '" + peekString() + "' not allowed in local part");
            }
        }

        private boolean isAtext(char c) {
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
                return true;
            }
            if ("!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0) {
                return true;
            }
            return utf8 && isVisibleNonAscii(c);
        }

        private void quotedString() throws AddressSyntaxException {
            expect('"');
            while (true) {
                if (atEnd()) {
                    throw new AddressSyntaxException("unterminated quoted string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return;
                }
                if (c == '\\') {
                    if (atEnd()) {
                        throw new AddressSyntaxException("unterminated quoted pair");
                    }
                    char q = s.charAt(pos++);
                    if (q < 32 || q == 127 || (q > 126 && !(utf8 && isVisibleNonAscii(q)))) {
                        throw new AddressSyntaxException("invalid quoted pair");
                    }
                } else if (c < 32 || c == 127 || (c > 126 && !(utf8 && isVisibleNonAscii(c)))) {
                    throw new AddressSyntaxException("invalid character in quoted string");
                }
            }
        }

        private void domain() throws AddressSyntaxException {
            subDomain();
            while (peek() == '.') {
                pos++;
                subDomain();
            }
        }

        private void subDomain() throws AddressSyntaxException {
            int start = pos;
            while (!atEnd() && isLdh(s.charAt(pos))) {
                pos++;
            }
            if (pos == start) {
                throw new AddressSyntaxException(
                        atEnd()
                                ? "domain is empty or ends with '.'"
                                : "character '" + peekString() + "' not allowed in domain");
            }
            if (s.charAt(start) == '-' || s.charAt(pos - 1) == '-') {
                throw new AddressSyntaxException("domain label may not start or end with '-'");
            }
            if (pos - start > 63) {
                throw new AddressSyntaxException("domain label longer than 63 characters");
            }
        }

        private boolean isLdh(char c) {
            return c >= 'a' && c <= 'z'
                    || c >= 'A' && c <= 'Z'
                    || c >= '0' && c <= '9'
                    || c == '-'
                    || (utf8 && isVisibleNonAscii(c) && Character.isLetterOrDigit(c));
        }

        private void addressLiteral() throws AddressSyntaxException {
            expect('[');
            int start = pos;
            while (!atEnd() && s.charAt(pos) != ']') {
                char c = s.charAt(pos);
                if (c < 33 || c > 126 || c == '[' || c == '\\') {
                    throw new AddressSyntaxException("invalid character in address literal");
                }
                pos++;
            }
            String lit = s.substring(start, pos);
            expect(']');
            if (lit.regionMatches(true, 0, "IPv6:", 0, 5)) {
                if (!isIpv6Literal(lit.substring(5))) {
                    throw new AddressSyntaxException("invalid IPv6 address literal");
                }
            } else if (!isIpv4Literal(lit)) {
                throw new AddressSyntaxException("invalid address literal");
            }
        }
    }
}
