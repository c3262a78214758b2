package org.karavel.api.dns;

import java.util.List;

/**
 * The MX records of a domain, and whether DNSSEC vouched for them.
 *
 * @param records sorted by preference, equal preferences in random order (as {@link Resolver#mx})
 * @param authentic whether the MX RRset was DNSSEC-validated (the AD bit from a trusted validating
 *     resolver, or validated locally); DANE is applied only to MX hosts of an authentic answer, since
 *     a spoofed answer could name a host in the spoofer's own signed zone (RFC 7672 §2.2.1)
 */
public record MxAnswer(List<MxRecord> records, boolean authentic) {
    public MxAnswer {
        records = List.copyOf(records);
    }
}
