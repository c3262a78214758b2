package org.karavel.status.internal;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;

/** Each local domain publishes an SMTP TLS reporting record (RFC 8460) so that senders report TLS failures. */
final class TlsReportingCheck implements StatusCheck {
    static final String NAME = "dns.tlsrpt";
    private final DnsAnswers dns;

    TlsReportingCheck(DnsAnswers dns) {
        this.dns = dns;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        return PerDomain.each(
                setup,
                domain -> dns.tagged("_smtp._tls." + domain, "v=TLSRPTv1")
                        .handle((records, e) -> e != null
                                ? Finding.error(
                                        NAME,
                                        domain,
                                        "The TLS-RPT record cannot be read: " + DnsAnswers.describe(e),
                                        "Check the zone of _smtp._tls." + domain)
                                : judge(domain, records)));
    }

    static Finding judge(String domain, List<String> records) {
        String fix =
                "Publish \"_smtp._tls." + domain + ". TXT \\\"v=TLSRPTv1; rua=mailto:postmaster@" + domain + "\\\"\"";
        if (records.isEmpty()) {
            return Finding.warning(NAME, domain, "No TLS-RPT record: senders cannot report TLS failures to you", fix);
        }
        if (records.size() > 1) {
            return Finding.error(NAME, domain, records.size() + " TLS-RPT records; RFC 8460 makes that none", fix);
        }
        if (!records.get(0).contains("rua=")) {
            return Finding.error(NAME, domain, "The TLS-RPT record names no rua= address", fix);
        }
        return Finding.ok(NAME, domain, "TLS-RPT " + records.get(0).strip());
    }
}
