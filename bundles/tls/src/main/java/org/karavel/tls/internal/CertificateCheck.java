package org.karavel.tls.internal;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;
import org.karavel.api.tls.TlsFailure;

/**
 * WebPKI checks of a server chain, done after the handshake so that the reason of a failure can be
 * logged and reported (TLS-RPT): a PKIX path to a trusted root valid now, and a certificate name
 * that matches the MX host (RFC 6125: subjectAltName dNSName, a {@code *} only as the whole
 * left-most label; the CN only when there is no dNSName). Revocation is not checked, as MTAs do not.
 */
final class CertificateCheck {
    /** A failed check: the TLS-RPT result type and a short reason. */
    record Problem(TlsFailure failure, String detail) {}

    private final Set<TrustAnchor> anchors;
    private final Clock clock;

    CertificateCheck(Set<TrustAnchor> anchors, Clock clock) {
        this.anchors = Set.copyOf(anchors);
        this.clock = clock;
    }

    /** The roots of the JDK's default trust store (cacerts, or javax.net.ssl.trustStore). */
    static Set<TrustAnchor> jdkAnchors() {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            Set<TrustAnchor> out = new HashSet<>();
            for (var manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    for (X509Certificate root : x509.getAcceptedIssuers()) {
                        out.add(new TrustAnchor(root, null));
                    }
                }
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the JDK trust store", e);
        }
    }

    static Set<TrustAnchor> anchorsOf(Collection<X509Certificate> roots) {
        Set<TrustAnchor> out = new HashSet<>();
        roots.forEach(root -> out.add(new TrustAnchor(root, null)));
        return out;
    }

    /** Null when the chain is trusted and valid for {@code host}, else the problem. */
    Problem check(X509Certificate[] chain, String host) {
        Problem path = path(chain, anchors, clock);
        if (path != null) {
            return path;
        }
        return nameMatches(chain[0], host)
                ? null
                : new Problem(
                        TlsFailure.CERTIFICATE_HOST_MISMATCH,
                        "certificate names " + names(chain[0]) + " do not match " + host);
    }

    /** A PKIX path from the chain (leaf first; a root at its end is allowed) to one of the anchors. */
    static Problem path(X509Certificate[] chain, Set<TrustAnchor> anchors, Clock clock) {
        if (chain == null || chain.length == 0) {
            return new Problem(TlsFailure.CERTIFICATE_NOT_TRUSTED, "no certificate");
        }
        if (anchors.isEmpty()) {
            return new Problem(TlsFailure.CERTIFICATE_NOT_TRUSTED, "no trust anchors");
        }
        Date now = Date.from(clock.instant());
        for (X509Certificate certificate : chain) {
            try {
                certificate.checkValidity(now);
            } catch (CertificateExpiredException e) {
                return new Problem(
                        TlsFailure.CERTIFICATE_EXPIRED,
                        "certificate " + subject(certificate) + " expired on "
                                + certificate.getNotAfter().toInstant());
            } catch (CertificateNotYetValidException e) {
                return new Problem(
                        TlsFailure.CERTIFICATE_EXPIRED,
                        "certificate " + subject(certificate) + " not valid before "
                                + certificate.getNotBefore().toInstant());
            }
        }
        List<X509Certificate> path = new ArrayList<>(Arrays.asList(chain));
        // a self-signed root sent by the server is not part of the path to validate
        while (path.size() > 1 && selfIssued(path.get(path.size() - 1))) {
            path.remove(path.size() - 1);
        }
        try {
            PKIXParameters parameters = new PKIXParameters(anchors);
            parameters.setRevocationEnabled(false);
            parameters.setDate(now);
            CertPathValidator.getInstance("PKIX")
                    .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
            return null;
        } catch (CertPathValidatorException e) {
            if (e.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                    || e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                return new Problem(TlsFailure.CERTIFICATE_EXPIRED, e.getMessage());
            }
            return new Problem(TlsFailure.CERTIFICATE_NOT_TRUSTED, "no trusted path: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            return new Problem(TlsFailure.VALIDATION_FAILURE, e.toString());
        }
    }

    /** RFC 6125 matching of a DNS name against the certificate. */
    static boolean nameMatches(X509Certificate leaf, String host) {
        String name = StsPolicy.stripDot(host.toLowerCase(Locale.ROOT));
        List<String> dnsNames = dnsNames(leaf);
        if (dnsNames.isEmpty()) {
            String cn = commonName(leaf);
            return cn != null && matches(cn.toLowerCase(Locale.ROOT), name);
        }
        return dnsNames.stream().anyMatch(pattern -> matches(pattern, name));
    }

    private static boolean matches(String pattern, String name) {
        String p = StsPolicy.stripDot(pattern.toLowerCase(Locale.ROOT));
        if (p.startsWith("*.")) {
            int dot = name.indexOf('.');
            // the wildcard stands for exactly one whole label, and never for a top-level domain alone
            return dot > 0 && p.indexOf('.', 2) > 0 && name.substring(dot + 1).equals(p.substring(2));
        }
        return !p.contains("*") && p.equals(name);
    }

    static List<String> dnsNames(X509Certificate certificate) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> alternative : alternatives) {
                    if (alternative.size() >= 2 && Integer.valueOf(2).equals(alternative.get(0))) {
                        out.add(String.valueOf(alternative.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable names
        }
        return out;
    }

    private static String commonName(X509Certificate certificate) {
        String dn = certificate.getSubjectX500Principal().getName(X500Principal.RFC2253);
        for (String rdn : dn.split(",")) {
            if (rdn.startsWith("CN=")) {
                return rdn.substring(3);
            }
        }
        return null;
    }

    private static String names(X509Certificate leaf) {
        List<String> names = dnsNames(leaf);
        return names.isEmpty() ? "[CN=" + commonName(leaf) + "]" : names.toString();
    }

    private static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }

    static boolean selfIssued(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
    }
}
