package org.karavel.shell.internal;

import java.nio.file.FileAlreadyExistsException;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.karavel.api.dkim.DkimKeys;

/** {@code mta:dkim-keygen}: makes a DKIM key in the key directory and prints the TXT record to publish. */
@Command(
        scope = "mta",
        name = "dkim-keygen",
        description =
                "Generates a DKIM signing key for a domain (stored readable by the service only) and prints its DNS record")
@Service
public class DkimKeygenCommand implements Action {
    @Reference(optional = true)
    DkimKeys keys;

    @Argument(
            index = 0,
            name = "domain [selector]",
            required = true,
            multiValued = true,
            description =
                    "The signing domain (d=), e.g. example.com, then the selector (s=; default: this year and month"
                            + " and r for RSA or e for Ed25519, e.g. 202611r); --algorithm and --bits may also follow them")
    List<String> words;

    @Option(name = "--algorithm", aliases = "-a", description = "rsa (default) or ed25519")
    @Completion(
            value = StringsCompleter.class,
            values = {"rsa", "ed25519"})
    String algorithm = DkimKeys.RSA;

    @Option(name = "--bits", aliases = "-b", description = "RSA key size (default 2048)")
    int bits = 2048;

    @Override
    public Object execute() throws Exception {
        if (keys == null) {
            throw new IllegalStateException("the dkim bundle (org.karavel.dkim) is not running");
        }
        TrailingOptions parsed;
        try {
            parsed = TrailingOptions.parse(words, Set.of("--algorithm", "-a", "--bits", "-b"));
            if (parsed.arguments().isEmpty() || parsed.arguments().size() > 2) {
                throw new IllegalArgumentException(
                        "usage: mta:dkim-keygen <domain> [selector] [--algorithm rsa|ed25519] [--bits N]");
            }
            algorithm = parsed.option(algorithm, "--algorithm", "-a");
            bits = Integer.parseInt(parsed.option(Integer.toString(bits), "--bits", "-b"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--bits needs a number");
        }
        String domain = parsed.arguments().get(0);
        String selector = parsed.arguments().size() > 1 ? parsed.arguments().get(1) : null;
        String s = selector == null || selector.isBlank()
                ? defaultSelector(YearMonth.now(ZoneOffset.UTC), algorithm)
                : selector;
        DkimKeys.KeyRecord k;
        try {
            k = keys.generate(domain, s, algorithm, bits);
        } catch (FileAlreadyExistsException e) {
            // Karaf prints the message of what execute() throws, as "Error executing command ..."
            throw new IllegalStateException("a key with the selector " + s + " exists already for " + domain + " ("
                    + e.getFile() + "); one key per selector, or " + s + "._domainkey would hold two records:"
                    + " choose another selector");
        }
        System.out.println("Key written to " + k.file()
                + (k.active()
                        ? "; mail from " + k.domain() + " is signed with it now."
                        : "; another key with a greater selector signs for now."));
        System.out.println("Publish this record:");
        System.out.println(DnsRecordLines.dkim(k));
        return null;
    }

    /**
     * The selector when none is given: the month and the algorithm's letter ({@code 202611r},
     * {@code 202611e}), so that an RSA and an Ed25519 key made the same month never share a selector
     * (one selector, one key), and a later month's selector sorts after (the greatest signs).
     */
    static String defaultSelector(YearMonth month, String algorithm) {
        String letter = DkimKeys.ED25519.equalsIgnoreCase(algorithm == null ? "" : algorithm.strip()) ? "e" : "r";
        return month.toString().replace("-", "") + letter;
    }
}
