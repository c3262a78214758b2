package org.karavel.api.suppression;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;

/**
 * One suppressed address, immutable and checked: an invalid value is refused with an {@link
 * IllegalArgumentException} whose message starts with the field's name ({@code address: ...}), so
 * that the shell and the admin API can name it.
 *
 * @param address the recipient, as {@link #key} normalises it (lower case, IDNA A-label domain)
 * @param reason why, one line: the remote reply of a bounce, or the operator's words; may be empty
 * @param category the bounce category ({@code invalid_recipient}, {@code bad_domain}, …), {@link
 *     #MANUAL} for an operator's entry; lower-case letters, digits and {@code _} only
 * @param created when the entry was made
 * @param expires when it stops counting; {@code null} for never
 * @param source where it came from: the queue id of the message that bounced, or {@code shell},
 *     {@code admin}, {@code import}; may be empty
 */
public record Suppression(
        String address, String reason, String category, Instant created, Instant expires, String source) {

    /** The category of an entry an operator made. */
    public static final String MANUAL = "manual";

    /** The longest reason kept; a longer one is cut (remote replies can be long). */
    public static final int MAX_REASON = 500;

    private static final int MAX_WORD = 64;

    public Suppression {
        address = key(address);
        reason = oneLine(reason == null ? "" : reason);
        category = word("category", category);
        Objects.requireNonNull(created, "created");
        source = word("source", source == null ? "" : source.strip());
    }

    /** A new entry made now by an operator: category {@link #MANUAL}, no expiry unless given. */
    public static Suppression manual(String address, String reason, Instant now, Instant expires, String source) {
        return new Suppression(address, reason, MANUAL, now, expires, source);
    }

    /**
     * The form addresses are stored and looked up in: the whole address in lower case, the domain as
     * IDNA A-labels, no angle brackets. Local parts are case-sensitive in principle (RFC 5321 §2.4),
     * but no provider treats them so, and a list that {@code Bob@} slips past is no list.
     *
     * @throws IllegalArgumentException "address: ..." for an empty or malformed address
     */
    public static String key(String address) {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("address: missing");
        }
        String a = address.strip();
        if (a.startsWith("<") && a.endsWith(">")) {
            a = a.substring(1, a.length() - 1);
        }
        MailAddress parsed;
        try {
            parsed = MailAddress.parse(a, true);
        } catch (AddressSyntaxException e) {
            throw new IllegalArgumentException(
                    "address: '" + printable(a) + "' is not an address: " + e.getMessage(), e);
        }
        return key(parsed);
    }

    /** {@link #key(String)} of an address already parsed. */
    public static String key(MailAddress address) {
        if (address.isNullSender()) {
            throw new IllegalArgumentException("address: the null sender cannot be suppressed");
        }
        return address.localPart().toLowerCase(Locale.ROOT) + "@" + address.domainKey();
    }

    /**
     * An expiry as operators write it: {@code never} (or empty) for none, a duration from {@code now}
     * ({@code 30d}, {@code 12h}, {@code 90m}) or an ISO 8601 UTC time ({@code 2027-01-31T00:00:00Z}).
     *
     * @return the time, or {@code null} for never
     * @throws IllegalArgumentException "expires: ..." for anything else
     */
    public static Instant parseExpiry(String text, Instant now) {
        if (text == null || text.isBlank() || text.strip().equalsIgnoreCase("never")) {
            return null;
        }
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.matches("\\d{1,6}[dhm]")) {
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            Duration d = switch (t.charAt(t.length() - 1)) {
                case 'd' -> Duration.ofDays(n);
                case 'h' -> Duration.ofHours(n);
                default -> Duration.ofMinutes(n);
            };
            return now.plus(d);
        }
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("expires: '" + printable(text.strip())
                    + "' is neither never, a duration (30d, 12h, 90m) nor a time such as 2027-01-31T00:00:00Z");
        }
    }

    /** Whether the entry no longer counts at {@code now}. */
    public boolean expiredAt(Instant now) {
        return expires != null && !now.isBefore(expires);
    }

    /** {@link #expires}, as an Optional. */
    public Optional<Instant> expiry() {
        return Optional.ofNullable(expires);
    }

    /** This entry with another expiry ({@code null}: never). */
    public Suppression withExpires(Instant newExpires) {
        return new Suppression(address, reason, category, created, newExpires, source);
    }

    private static String oneLine(String s) {
        StringBuilder out = new StringBuilder(Math.min(s.length(), MAX_REASON));
        for (int i = 0; i < s.length() && out.length() < MAX_REASON; i++) {
            char c = s.charAt(i);
            out.append(Character.isISOControl(c) ? ' ' : c);
        }
        return out.toString().strip();
    }

    private static String word(String field, String value) {
        String v = value == null ? "" : value;
        if (v.length() > MAX_WORD) {
            throw new IllegalArgumentException(field + ": longer than " + MAX_WORD + " characters");
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean ok = field.equals("category")
                    ? (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
                    : c > ' ' && c < 0x7f && c != ',' && c != '"';
            if (!ok) {
                throw new IllegalArgumentException(field + ": '" + printable(v) + "' has a character not allowed here ("
                        + (field.equals("category") ? "a-z, 0-9 and _" : "printable ASCII without , and \"") + ")");
            }
        }
        return v;
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && i < 100; i++) {
            char c = s.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        return out.toString();
    }
}
