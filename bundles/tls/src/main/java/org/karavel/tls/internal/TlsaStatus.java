package org.karavel.tls.internal;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.Resolver;
import org.karavel.api.dns.TlsaAnswer;
import org.karavel.api.dns.TlsaRecord;
import org.karavel.api.status.Finding;

/**
 * Status check {@code tls.tlsa}: the host's {@code _25._tcp} TLSA records, when DNSSEC vouches for
 * them, match the certificate served now, and will survive its renewal. No records, or a resolver
 * without DNSSEC support, give no finding: DANE is optional.
 */
final class TlsaStatus {
    static final String NAME = "tls.tlsa";
    private final Resolver resolver;
    private final Clock clock;

    TlsaStatus(Resolver resolver, Clock clock) {
        this.resolver = resolver;
        this.clock = clock;
    }

    CompletionStage<List<Finding>> check(String hostName, List<X509Certificate> chain) {
        String name = "_25._tcp." + hostName;
        return resolver.tlsa(name).handle((answer, e) -> {
            if (e != null) {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                if (c instanceof DnsException d
                        && (d.reason() == DnsException.Reason.NO_SUCH_DOMAIN
                                || Resolver.TLSA_UNSUPPORTED.equals(d.getMessage()))) {
                    return List.of();
                }
                return List.of(Finding.error(
                        NAME,
                        Finding.SERVER,
                        "The TLSA records at " + name + " cannot be read: " + c.getMessage(),
                        "Check the zone and its DNSSEC signatures"));
            }
            return judge(name, hostName, answer, chain);
        });
    }

    List<Finding> judge(String name, String hostName, TlsaAnswer answer, List<X509Certificate> chain) {
        List<TlsaRecord> usable =
                answer.records().stream().filter(TlsaRecord::usableForSmtp).toList();
        if (usable.isEmpty()) {
            return List.of();
        }
        if (!answer.authentic()) {
            return List.of(Finding.warning(
                    NAME,
                    Finding.SERVER,
                    "TLSA records are published at " + name
                            + " but the answer is not DNSSEC-validated: senders ignore them",
                    "Sign the zone with DNSSEC, or remove the TLSA records"));
        }
        CertificateCheck.Problem problem =
                DaneMatch.check(usable, chain.toArray(X509Certificate[]::new), List.of(hostName), clock);
        if (problem != null) {
            return List.of(Finding.error(
                    NAME,
                    Finding.SERVER,
                    "The TLSA records at " + name + " match no certificate served now (" + problem.detail()
                            + "): DANE senders will not deliver",
                    "Publish the record mta:dns-records prints (3 1 1, the current key) and remove the stale one"));
        }
        boolean onlyWholeCertificates =
                usable.stream().allMatch(r -> r.usage() == TlsaRecord.DANE_EE && r.selector() == 0);
        if (onlyWholeCertificates) {
            return List.of(
                    Finding.warning(
                            NAME,
                            Finding.SERVER,
                            "The TLSA records at " + name
                                    + " pin the whole certificate (3 0 x): the next renewal breaks DANE",
                            "Publish a 3 1 1 record of the key (mta:dns-records) and renew keeping the key (certbot --reuse-key)"));
        }
        return List.of(
                Finding.ok(NAME, Finding.SERVER, "The TLSA records at " + name + " match the certificate served"));
    }
}
