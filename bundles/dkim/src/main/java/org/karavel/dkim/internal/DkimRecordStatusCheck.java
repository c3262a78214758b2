package org.karavel.dkim.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.karavel.api.dkim.DkimKeys;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.Resolver;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Status check {@code dkim.records}: for every key file of each local domain, whether its record is
 * published and carries the same public key. An active key without a matching record is an error
 * (receivers cannot verify what is signed with it); an inactive one is only reported.
 */
@Component(service = StatusCheck.class)
public final class DkimRecordStatusCheck implements StatusCheck {
    static final String NAME = "dkim.records";
    private final Resolver resolver;
    private final DkimKeys keys;

    @Activate
    public DkimRecordStatusCheck(
            @Reference(name = "resolver") Resolver resolver, @Reference(name = "keys") DkimKeys keys) {
        this.resolver = resolver;
        this.keys = keys;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        List<CompletableFuture<Finding>> each = new ArrayList<>();
        for (String domain : new TreeSet<>(setup.localDomains())) {
            List<DkimKeys.KeyRecord> records = keys.records(domain);
            if (records.stream().noneMatch(DkimKeys.KeyRecord::active)) {
                each.add(CompletableFuture.completedFuture(Finding.error(
                        NAME,
                        domain,
                        "No active DKIM key: mail from " + domain + " leaves unsigned",
                        "Run mta:dkim-keygen " + domain + " and publish the record it prints")));
            }
            for (DkimKeys.KeyRecord key : records) {
                each.add(resolver.txt(key.dnsName())
                        .handle((txt, e) -> judge(key, e == null ? txt : null, e))
                        .toCompletableFuture());
            }
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture<?>[]::new))
                .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
    }

    static Finding judge(DkimKeys.KeyRecord key, List<String> published, Throwable error) {
        String subject = key.domain();
        String what = "Selector " + key.selector() + " (" + key.algorithm()
                + (key.active() ? ", active" : ", not in use") + ")";
        String fix = "Publish \"" + key.dnsName() + ". TXT \\\"" + key.txt() + "\\\"\" (mta:dns-records " + key.domain()
                + ")";
        Throwable c = error == null ? null : Dns.cause(error);
        if (c != null && !(c instanceof DnsException d && d.reason() == DnsException.Reason.NO_SUCH_DOMAIN)) {
            return Finding.error(
                    NAME,
                    subject,
                    what + ": the record cannot be read: " + c.getMessage(),
                    "Check the zone of " + key.dnsName());
        }
        List<String> dkim = published == null
                ? List.of()
                : published.stream()
                        .filter(t -> t.toLowerCase(Locale.ROOT).contains("p="))
                        .toList();
        String mine = publicKey(key.txt());
        if (dkim.isEmpty()) {
            return key.active()
                    ? Finding.error(NAME, subject, what + ": no record at " + key.dnsName(), fix)
                    : Finding.ok(NAME, subject, what + ": not published (its key file is kept)");
        }
        if (dkim.stream().noneMatch(t -> publicKey(t).equals(mine))) {
            return Finding.error(
                    NAME,
                    subject,
                    what + ": the record at " + key.dnsName() + " holds another key than the file " + key.file(),
                    fix);
        }
        return Finding.ok(NAME, subject, what + ": the record at " + key.dnsName() + " matches the key");
    }

    /** The p= value without white space (records are often split into several strings). */
    static String publicKey(String txt) {
        for (String tag : txt.split(";")) {
            String t = tag.strip();
            if (t.startsWith("p=") || t.startsWith("P=")) {
                return t.substring(2).replaceAll("\\s+", "");
            }
        }
        return "";
    }
}
