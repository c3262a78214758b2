package org.karavel.status.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.karavel.api.dns.MxRecord;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;

/** Each local domain's MX records point to this server. */
final class MxCheck implements StatusCheck {
    static final String NAME = "dns.mx";
    private final DnsAnswers dns;

    MxCheck(DnsAnswers dns) {
        this.dns = dns;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        List<CompletableFuture<Finding>> each = new ArrayList<>();
        for (String domain : setup.localDomains()) {
            each.add(dns.resolver()
                    .mx(domain)
                    .handle((records, e) -> e != null ? failed(domain, setup, e) : judge(domain, setup, records))
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture<?>[]::new))
                .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
    }

    private static Finding failed(String domain, Setup setup, Throwable e) {
        return Finding.error(
                NAME, domain, "No MX record can be read: " + DnsAnswers.describe(e), publish(domain, setup));
    }

    static Finding judge(String domain, Setup setup, List<MxRecord> records) {
        if (records.isEmpty()) {
            return Finding.error(NAME, domain, "No MX record is published", publish(domain, setup));
        }
        if (records.stream().anyMatch(MxRecord::isNullMx)) {
            return Finding.error(
                    NAME,
                    domain,
                    "A null MX (0 .) says the domain receives no mail",
                    "Replace it: " + publish(domain, setup));
        }
        List<String> hosts =
                records.stream().map(r -> r.preference() + " " + r.host()).toList();
        boolean ours = records.stream().anyMatch(r -> r.host().equalsIgnoreCase(setup.hostName()));
        if (!ours) {
            return Finding.error(
                    NAME,
                    domain,
                    "MX points to " + String.join(", ", hosts) + ", not to this server (" + setup.hostName() + ")",
                    publish(domain, setup));
        }
        return Finding.ok(NAME, domain, "MX " + String.join(", ", hosts));
    }

    private static String publish(String domain, Setup setup) {
        return "Publish \"" + domain + ". MX 10 " + setup.hostName() + ".\"";
    }
}
