package org.karavel.status.internal;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;

/**
 * Each local domain publishes an MTA-STS TXT record (RFC 8461) with a policy id. Whether the policy
 * itself can be fetched is the tls bundle's check, which fetches policies already.
 */
final class MtaStsRecordCheck implements StatusCheck {
    static final String NAME = "dns.mta-sts";
    private static final Pattern ID = Pattern.compile("(?:^|;)\\s*id\\s*=\\s*[A-Za-z0-9]{1,32}\\s*(?:;|$)");
    private final DnsAnswers dns;

    MtaStsRecordCheck(DnsAnswers dns) {
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
                domain -> dns.tagged("_mta-sts." + domain, "v=STSv1")
                        .handle((records, e) -> e != null
                                ? Finding.error(
                                        NAME,
                                        domain,
                                        "The MTA-STS record cannot be read: " + DnsAnswers.describe(e),
                                        "Check the zone of _mta-sts." + domain)
                                : judge(domain, records)));
    }

    static Finding judge(String domain, List<String> records) {
        String fix = "Serve https://mta-sts." + domain
                + "/.well-known/mta-sts.txt (mode: enforce, mx: your MX) and publish \"_mta-sts." + domain
                + ". TXT \\\"v=STSv1; id=20260101\\\"\"";
        if (records.isEmpty()) {
            return Finding.warning(NAME, domain, "No MTA-STS record: senders cannot insist on TLS to this domain", fix);
        }
        if (records.size() > 1) {
            return Finding.error(NAME, domain, records.size() + " MTA-STS records; RFC 8461 makes that none", fix);
        }
        if (!ID.matcher(records.get(0)).find()) {
            return Finding.error(
                    NAME,
                    domain,
                    "The MTA-STS record has no valid id= (1 to 32 letters or digits): " + records.get(0),
                    fix);
        }
        return Finding.ok(NAME, domain, "MTA-STS " + records.get(0).strip());
    }
}
