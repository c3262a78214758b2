package org.karavel.dkim.internal;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.karavel.api.dns.Resolver;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Status check {@code dns.spf}: each local domain's SPF record lets each sending address send, as
 * evaluated by the same SPF code that checks incoming mail (not by matching strings).
 */
@Component(service = StatusCheck.class)
public final class SpfStatusCheck implements StatusCheck {
    static final String NAME = "dns.spf";
    private final SpfCheck spf;

    @Activate
    public SpfStatusCheck(@Reference(name = "resolver") Resolver resolver) {
        this.spf = new SpfCheck(resolver);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        List<CompletableFuture<Finding>> each = new ArrayList<>();
        for (String domain : new TreeSet<>(setup.localDomains())) {
            each.add(domain(domain, setup));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture<?>[]::new))
                .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
    }

    private CompletableFuture<Finding> domain(String domain, Setup setup) {
        List<CompletableFuture<String>> refused = new ArrayList<>();
        for (InetAddress ip : setup.sendingAddresses()) {
            refused.add(spf.check(ip, domain, "postmaster@" + domain, setup.hostName())
                    .thenApply(o -> o.result() == SpfResult.PASS
                            ? null
                            : ip.getHostAddress() + " " + o.result().label()
                                    + (o.reason().isEmpty() ? "" : " (" + o.reason() + ")"))
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(refused.toArray(CompletableFuture<?>[]::new))
                .thenApply(v -> {
                    List<String> bad = refused.stream()
                            .map(CompletableFuture::join)
                            .filter(s -> s != null)
                            .toList();
                    return judge(domain, setup, bad);
                });
    }

    static Finding judge(String domain, Setup setup, List<String> bad) {
        String mechanisms = String.join(
                " ",
                setup.sendingAddresses().stream()
                        .map(a -> (a.getAddress().length == 4 ? "ip4:" : "ip6:") + a.getHostAddress())
                        .toList());
        String fix = "Publish \"" + domain + ". TXT \\\"v=spf1 mx " + mechanisms + " -all\\\"\" (or add " + mechanisms
                + " to the record you have)";
        if (setup.sendingAddresses().isEmpty()) {
            return Finding.warning(
                    NAME,
                    domain,
                    "No sending address is known, so SPF cannot be checked",
                    "Set sending_addresses in etc/org.karavel.status.cfg");
        }
        if (bad.isEmpty()) {
            return Finding.ok(
                    NAME,
                    domain,
                    "SPF passes for " + mechanisms.replace("ip4:", "").replace("ip6:", ""));
        }
        if (bad.stream().allMatch(b -> b.contains(" none"))) {
            return Finding.error(NAME, domain, "No SPF record is published", fix);
        }
        return Finding.error(NAME, domain, "SPF does not pass for " + String.join(", ", bad), fix);
    }
}
