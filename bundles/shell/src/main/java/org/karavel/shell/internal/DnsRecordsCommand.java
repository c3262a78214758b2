package org.karavel.shell.internal;

import java.security.cert.X509Certificate;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.dkim.DkimKeys;
import org.karavel.api.net.MachineName;
import org.karavel.api.tls.ServerTls;

/** {@code mta:dns-records}: everything to publish in DNS for a domain this server handles. */
@Command(
        scope = "mta",
        name = "dns-records",
        description = "Prints the DNS records to publish for a domain: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, TLSA")
@Service
public class DnsRecordsCommand implements Action {
    @Reference(optional = true)
    DkimKeys keys;

    @Reference(optional = true)
    ServerTls serverTls;

    @Argument(
            index = 0,
            name = "domain",
            required = true,
            multiValued = true,
            description = "The mail domain, e.g. example.com (--hostname may also follow it)")
    List<String> words;

    @Option(
            name = "--hostname",
            aliases = "-H",
            description = "The MX host name (default: this machine's host name, as the listeners use)")
    String hostname;

    @Override
    public Object execute() throws Exception {
        // a wrong usage throws: Karaf prints "Error executing command" with the message
        TrailingOptions parsed = TrailingOptions.parse(words, Set.of("--hostname", "-H"));
        if (parsed.arguments().size() != 1) {
            throw new IllegalArgumentException("usage: mta:dns-records <domain> [--hostname mx.example.com]");
        }
        hostname = parsed.option(hostname, "--hostname", "-H");
        String d = parsed.arguments().get(0).strip().toLowerCase(Locale.ROOT);
        String mx = hostname != null && !hostname.isBlank()
                ? hostname.strip()
                : MachineName.canonical()
                        .orElseThrow(() -> new IllegalArgumentException(
                                "this machine has no name in DNS: give the MX host with --hostname mx.example.com"));
        List<DkimKeys.KeyRecord> records = keys == null ? List.of() : keys.records(d);
        if (keys == null) {
            System.err.println("(the dkim bundle is not running: no DKIM records)");
        }
        X509Certificate certificate = null;
        if (serverTls != null && !serverTls.current().certificateChain().isEmpty()) {
            certificate = serverTls.current().certificateChain().get(0);
        }
        DnsRecordLines.forDomain(d, mx, records, certificate, ZonedDateTime.now())
                .forEach(System.out::println);
        System.out.println();
        System.out.println("; MTA-STS policy file, served at https://mta-sts." + d + "/.well-known/mta-sts.txt"
                + " (switch mode to enforce once reports are clean):");
        System.out.print(DnsRecordLines.stsPolicy(mx));
        if (certificate != null && serverTls.current().selfSigned()) {
            System.out.println(
                    "; warning: the certificate is self-signed and generated at start: do not publish its TLSA record");
        }
        return null;
    }
}
