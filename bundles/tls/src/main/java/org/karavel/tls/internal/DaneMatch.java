package org.karavel.tls.internal;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.karavel.api.dns.TlsaRecord;
import org.karavel.api.tls.TlsFailure;

/**
 * DANE for SMTP (RFC 7672 §3.1): matches a server chain against the authentic TLSA records of its
 * MX host. DANE-EE(3) matches the leaf (certificate or public key) and checks neither names nor
 * dates; DANE-TA(2) matches an issuer in the chain, which then anchors a PKIX path from the leaf
 * (dates checked), and the leaf's name must be the MX host or the TLSA base domain. PKIX-TA/EE
 * (0/1) records are not used for SMTP (§3.1.3) and are skipped.
 */
final class DaneMatch {
    private DaneMatch() {}

    /** Null when some record matches, else the problem. */
    static CertificateCheck.Problem check(
            List<TlsaRecord> records, X509Certificate[] chain, List<String> names, Clock clock) {
        if (chain == null || chain.length == 0) {
            return new CertificateCheck.Problem(TlsFailure.VALIDATION_FAILURE, "no certificate");
        }
        CertificateCheck.Problem taProblem = null;
        for (TlsaRecord record : records) {
            if (!record.usableForSmtp()) {
                continue;
            }
            if (record.usage() == TlsaRecord.DANE_EE) {
                if (matches(record, chain[0])) {
                    return null;
                }
                continue;
            }
            for (int i = 1; i < chain.length; i++) {
                if (!matches(record, chain[i])) {
                    continue;
                }
                X509Certificate[] path = Arrays.copyOf(chain, i);
                CertificateCheck.Problem problem =
                        CertificateCheck.path(path, Set.of(new TrustAnchor(chain[i], null)), clock);
                if (problem == null && names.stream().noneMatch(name -> CertificateCheck.nameMatches(chain[0], name))) {
                    problem = new CertificateCheck.Problem(
                            TlsFailure.CERTIFICATE_HOST_MISMATCH,
                            "certificate names " + CertificateCheck.dnsNames(chain[0]) + " do not match " + names);
                }
                if (problem == null) {
                    return null;
                }
                taProblem = problem;
            }
        }
        return taProblem != null
                ? taProblem
                : new CertificateCheck.Problem(TlsFailure.VALIDATION_FAILURE, "no TLSA record matches the chain");
    }

    /** Whether one record's association data matches a certificate, per its selector and matching type. */
    static boolean matches(TlsaRecord record, X509Certificate certificate) {
        try {
            byte[] selected = switch (record.selector()) {
                case 0 -> certificate.getEncoded();
                case 1 -> certificate.getPublicKey().getEncoded();
                default -> null;
            };
            if (selected == null) {
                return false;
            }
            byte[] associated = switch (record.matchingType()) {
                case 0 -> selected;
                case 1 -> MessageDigest.getInstance("SHA-256").digest(selected);
                case 2 -> MessageDigest.getInstance("SHA-512").digest(selected);
                default -> null;
            };
            return associated != null && MessageDigest.isEqual(associated, record.data());
        } catch (CertificateEncodingException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-2 is missing from this JDK", e);
        }
    }
}
