package org.karavel.dnsbl.internal;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;

/**
 * Status check {@code dnsbl.listed}: this server's sending addresses on ZEN and its domains on the
 * DBL, asked the way the filter asks (same zones, DQS key and code ranges), so an error answer (a
 * public resolver, a missing DQS key) is told apart from a listing.
 */
final class BlocklistStatus implements StatusCheck {
    static final String NAME = "dnsbl.listed";
    private final Supplier<DnsblFilter> filter;

    BlocklistStatus(Supplier<DnsblFilter> filter) {
        this.filter = filter;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        DnsblFilter f = filter.get();
        List<CompletableFuture<Finding>> each = new ArrayList<>();
        for (InetAddress ip : setup.sendingAddresses()) {
            each.add(f.ownAddress(ip).thenApply(l -> judge(l, Finding.SERVER)).toCompletableFuture());
        }
        for (String domain : new TreeSet<>(setup.localDomains())) {
            f.ownDomain(domain)
                    .ifPresent(s -> each.add(s.thenApply(l -> judge(l, domain)).toCompletableFuture()));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture<?>[]::new))
                .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
    }

    static Finding judge(Lookup l, String subject) {
        String what = l.client() ? "The address " + l.subject() : "The domain " + l.subject();
        return switch (l.kind()) {
            case NOT_LISTED -> Finding.ok(NAME, subject, what + " is not on " + l.list());
            case LISTED ->
                Finding.error(
                        NAME,
                        subject,
                        what + " is on " + l.list() + " (" + l.code() + (l.reason() == null ? "" : ": " + l.reason())
                                + ")",
                        "Find the cause (an open relay, a compromised account, a script) and request removal at the list's site"
                                + " (https://check.spamhaus.org/ for Spamhaus)");
            case ERROR ->
                Finding.warning(
                        NAME,
                        subject,
                        l.list() + " answered with an error code, not a listing: it refuses queries from this resolver",
                        "Use a resolver of your own (not a public one), or set dqs_key in etc/org.karavel.dnsbl.cfg");
            case FAILED ->
                Finding.warning(
                        NAME,
                        subject,
                        l.list() + " gave no answer about " + l.subject(),
                        "Check that the resolver can reach " + l.list());
        };
    }
}
