package org.karavel.api.dns;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One TLSA record (RFC 6698 §2.1), as published at {@code _25._tcp.<mx host>} for DANE (RFC 7672).
 *
 * @param usage certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE (SMTP uses only 2 and 3)
 * @param selector 0 the full certificate, 1 its SubjectPublicKeyInfo
 * @param matchingType 0 the data itself, 1 its SHA-256, 2 its SHA-512
 * @param data the certificate association data (copied in and out)
 */
public record TlsaRecord(int usage, int selector, int matchingType, byte[] data) {
    public static final int DANE_TA = 2;
    public static final int DANE_EE = 3;

    public TlsaRecord {
        if (usage < 0 || usage > 255 || selector < 0 || selector > 255 || matchingType < 0 || matchingType > 255) {
            throw new IllegalArgumentException("TLSA fields are single octets");
        }
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Whether RFC 7672 lets an SMTP client use it: usage 2 or 3, selector 0 or 1, matching type 0, 1 or 2. */
    public boolean usableForSmtp() {
        return (usage == DANE_TA || usage == DANE_EE) && selector <= 1 && matchingType <= 2;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsaRecord other
                && other.usage == usage
                && other.selector == selector
                && other.matchingType == matchingType
                && Arrays.equals(other.data, data);
    }

    @Override
    public int hashCode() {
        return ((usage * 31 + selector) * 31 + matchingType) * 31 + Arrays.hashCode(data);
    }

    /** Presentation format, e.g. {@code 3 1 1 0A1B...}: what a zone file holds and a TLS-RPT report quotes. */
    @Override
    public String toString() {
        return usage + " " + selector + " " + matchingType + " "
                + HexFormat.of().withUpperCase().formatHex(data);
    }
}
