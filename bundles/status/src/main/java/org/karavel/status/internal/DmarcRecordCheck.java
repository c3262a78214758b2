package org.karavel.status.internal;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;

/** Each local domain publishes one DMARC record with a policy that protects it. */
final class DmarcRecordCheck implements StatusCheck {
    static final String NAME = "dns.dmarc";
    private static final Pattern POLICY = Pattern.compile("(?:^|;)\\s*p\\s*=\\s*([a-z]+)");
    private final DnsAnswers dns;

    DmarcRecordCheck(DnsAnswers dns) {
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
                domain -> dns.tagged("_dmarc." + domain, "v=DMARC1")
                        .handle((records, e) -> e != null
                                ? Finding.error(
                                        NAME,
                                        domain,
                                        "The DMARC record cannot be read: " + DnsAnswers.describe(e),
                                        "Check the zone of _dmarc." + domain)
                                : judge(domain, records)));
    }

    static Finding judge(String domain, List<String> records) {
        String fix = "Publish \"_dmarc." + domain + ". TXT \\\"v=DMARC1; p=quarantine; rua=mailto:postmaster@" + domain
                + "\\\"\"";
        if (records.isEmpty()) {
            return Finding.error(NAME, domain, "No DMARC record is published", fix);
        }
        if (records.size() > 1) {
            return Finding.error(
                    NAME,
                    domain,
                    records.size() + " DMARC records are published; receivers then ignore them all",
                    "Keep one: " + fix);
        }
        Matcher m = POLICY.matcher(records.get(0).toLowerCase(Locale.ROOT));
        if (!m.find()) {
            return Finding.error(NAME, domain, "The DMARC record has no p= policy: " + records.get(0), fix);
        }
        return switch (m.group(1)) {
            case "reject", "quarantine" -> Finding.ok(NAME, domain, "DMARC p=" + m.group(1));
            case "none" ->
                Finding.warning(
                        NAME,
                        domain,
                        "DMARC p=none: receivers are asked to do nothing with forged mail",
                        "Once the reports show only your own mail passing, raise it to p=quarantine, then p=reject");
            default -> Finding.error(NAME, domain, "The DMARC policy p=" + m.group(1) + " is not valid", fix);
        };
    }
}
