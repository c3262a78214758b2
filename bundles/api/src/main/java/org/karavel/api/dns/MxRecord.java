package org.karavel.api.dns;

/**
 * One MX record.
 *
 * @param preference lower is preferred
 * @param host the exchange, without trailing dot; {@code ""} for the null MX of RFC 7505
 */
public record MxRecord(int preference, String host) {
    /** Whether this is a null MX ({@code 0 .}): the domain accepts no mail. */
    public boolean isNullMx() {
        return host.isEmpty() || ".".equals(host);
    }
}
