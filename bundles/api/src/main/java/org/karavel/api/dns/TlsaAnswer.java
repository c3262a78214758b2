package org.karavel.api.dns;

import java.util.List;

/**
 * The TLSA records of a name, and whether DNSSEC vouched for them.
 *
 * @param records the records (empty when the name exists without TLSA records)
 * @param authentic whether the answer was DNSSEC-validated (the AD bit from a trusted validating
 *     resolver, or validated locally); DANE uses only authentic answers
 */
public record TlsaAnswer(List<TlsaRecord> records, boolean authentic) {
    public TlsaAnswer {
        records = List.copyOf(records);
    }
}
