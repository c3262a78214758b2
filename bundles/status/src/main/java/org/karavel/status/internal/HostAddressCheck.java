package org.karavel.status.internal;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;

/** The host name's A/AAAA records are the addresses the listeners are reached on. */
final class HostAddressCheck implements StatusCheck {
    static final String NAME = "dns.host";
    private final DnsAnswers dns;

    HostAddressCheck(DnsAnswers dns) {
        this.dns = dns;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        String host = setup.hostName();
        return dns.resolver()
                .addresses(host)
                .handle((found, e) -> List.of(
                        e != null
                                ? Finding.error(
                                        NAME,
                                        Finding.SERVER,
                                        "The host name " + host + " has no address: " + DnsAnswers.describe(e),
                                        "Publish " + records(host, setup.publicAddresses()))
                                : judge(host, setup.publicAddresses(), found)));
    }

    static Finding judge(String host, List<InetAddress> expected, List<InetAddress> found) {
        Set<InetAddress> missing = new LinkedHashSet<>(expected);
        found.forEach(missing::remove);
        Set<InetAddress> foreign = new LinkedHashSet<>(found);
        expected.forEach(foreign::remove);
        if (found.isEmpty()) {
            return Finding.error(
                    NAME,
                    Finding.SERVER,
                    "The host name " + host + " has no A or AAAA record",
                    "Publish " + records(host, expected));
        }
        if (!foreign.isEmpty()) {
            return Finding.error(
                    NAME,
                    Finding.SERVER,
                    host + " resolves to " + text(foreign) + ", which is not this server (" + text(expected) + ")",
                    "Replace them with " + records(host, expected));
        }
        if (!missing.isEmpty()) {
            return Finding.warning(
                    NAME,
                    Finding.SERVER,
                    host + " resolves to " + text(found) + " but not to " + text(missing),
                    "Add " + records(host, new ArrayList<>(missing)) + " or take the address out of public_addresses");
        }
        return Finding.ok(NAME, Finding.SERVER, host + " resolves to " + text(found));
    }

    private static String records(String host, List<InetAddress> addresses) {
        List<String> r = addresses.stream()
                .map(a -> "\"" + host + ". " + (a.getAddress().length == 4 ? "A" : "AAAA") + " " + a.getHostAddress()
                        + "\"")
                .toList();
        return r.isEmpty() ? "an A record for " + host : String.join(" and ", r);
    }

    private static String text(Iterable<InetAddress> addresses) {
        List<String> out = new ArrayList<>();
        addresses.forEach(a -> out.add(a.getHostAddress()));
        return String.join(", ", out);
    }
}
