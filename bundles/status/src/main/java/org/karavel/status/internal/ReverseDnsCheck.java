package org.karavel.status.internal;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;

/**
 * Each sending address has a PTR record naming this server, and that name resolves back to the
 * address (forward-confirmed reverse DNS): large receivers refuse mail from addresses without it.
 */
final class ReverseDnsCheck implements StatusCheck {
    static final String NAME = "dns.ptr";
    private final DnsAnswers dns;

    ReverseDnsCheck(DnsAnswers dns) {
        this.dns = dns;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        List<CompletableFuture<Finding>> each = new ArrayList<>();
        for (InetAddress ip : setup.sendingAddresses()) {
            each.add(address(ip, setup.hostName()).toCompletableFuture());
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture<?>[]::new))
                .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
    }

    private CompletionStage<Finding> address(InetAddress ip, String host) {
        String fix = "Ask the provider of " + ip.getHostAddress() + " to set its PTR record to " + host;
        return dns.resolver().ptr(ip).handle((names, e) -> names).thenCompose(names -> {
            if (names == null || names.isEmpty()) {
                return CompletableFuture.completedFuture(
                        Finding.error(NAME, Finding.SERVER, ip.getHostAddress() + " has no PTR record", fix));
            }
            // of several PTR names, this server's counts
            String name = names.stream()
                    .map(n -> n.toLowerCase(Locale.ROOT))
                    .filter(host::equals)
                    .findFirst()
                    .orElse(names.get(0).toLowerCase(Locale.ROOT));
            return dns.resolver()
                    .addresses(name)
                    .handle((back, e) -> judge(ip, host, name, back == null ? List.of() : back));
        });
    }

    static Finding judge(InetAddress ip, String host, String ptrName, List<InetAddress> forward) {
        String fix = "Ask the provider of " + ip.getHostAddress() + " to set its PTR record to " + host;
        if (!forward.contains(ip)) {
            return Finding.error(
                    NAME,
                    Finding.SERVER,
                    ip.getHostAddress() + " has PTR " + ptrName + ", which does not resolve back to it",
                    "Publish \"" + ptrName + ". " + (ip.getAddress().length == 4 ? "A" : "AAAA") + " "
                            + ip.getHostAddress() + "\", or "
                            + fix.substring(0, 1).toLowerCase(Locale.ROOT) + fix.substring(1));
        }
        if (!ptrName.equals(host)) {
            return Finding.warning(
                    NAME,
                    Finding.SERVER,
                    ip.getHostAddress() + " has PTR " + ptrName + ", but this server greets as " + host,
                    fix);
        }
        return Finding.ok(
                NAME, Finding.SERVER, ip.getHostAddress() + " has PTR " + host + ", which resolves back to it");
    }
}
