package org.karavel.shell.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.karavel.api.dkim.DkimKeys;

/**
 * The DNS records to publish for a mail domain, as zone-file lines (names absolute, with the final
 * dot), and the MTA-STS policy file. TXT values longer than 255 octets are split into several
 * strings, as RFC 1035 requires for one character-string.
 */
final class DnsRecordLines {
    private static final DateTimeFormatter STS_ID = DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT);

    private DnsRecordLines() {}

    /** A TXT value as quoted character-strings of at most 255 octets, with {@code "} and {@code \} escaped. */
    static String quoted(String value) {
        byte[] octets = value.getBytes(StandardCharsets.UTF_8);
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < octets.length; i += 255) {
            String part = new String(octets, i, Math.min(255, octets.length - i), StandardCharsets.UTF_8);
            parts.add("\"" + part.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        }
        return parts.isEmpty() ? "\"\"" : String.join(" ", parts);
    }

    static String txt(String name, String value) {
        return absolute(name) + " IN TXT " + quoted(value);
    }

    /** The TXT record of a DKIM key. */
    static String dkim(DkimKeys.KeyRecord key) {
        return txt(key.dnsName(), key.txt());
    }

    /** A DANE-EE record for the SMTP server's certificate: usage 3, selector 1 (SPKI), SHA-256. */
    static String tlsa(String mxHost, X509Certificate certificate) {
        try {
            byte[] spki = MessageDigest.getInstance("SHA-256")
                    .digest(certificate.getPublicKey().getEncoded());
            return absolute("_25._tcp." + mxHost) + " IN TLSA 3 1 1 "
                    + HexFormat.of().formatHex(spki);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The MTA-STS policy file, served at {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}. */
    static String stsPolicy(String mxHost) {
        return "version: STSv1\nmode: testing\nmx: " + mxHost + "\nmax_age: 604800\n";
    }

    /**
     * Every record for a domain: MX, SPF, the DKIM keys, DMARC, MTA-STS, TLS-RPT and TLSA (when the
     * certificate is known), each preceded by a comment line saying what it is.
     */
    static List<String> forDomain(
            String domain,
            String mxHost,
            List<DkimKeys.KeyRecord> keys,
            X509Certificate certificate,
            ZonedDateTime now) {
        List<String> out = new ArrayList<>();
        out.add("; MX: mail for " + domain + " goes to this server");
        out.add(absolute(domain) + " IN MX 10 " + absolute(mxHost));
        out.add("; SPF: only the MX hosts send mail from " + domain);
        out.add(txt(domain, "v=spf1 mx -all"));
        if (keys.isEmpty()) {
            out.add("; DKIM: no key yet; make one with mta:dkim-keygen " + domain);
        }
        sharedSelectorWarnings(keys).forEach(out::add);
        for (DkimKeys.KeyRecord k : keys) {
            out.add("; DKIM: " + k.algorithm() + (k.algorithm().equals(DkimKeys.RSA) ? " " + k.bits() + " bits" : "")
                    + (k.active() ? ", signing now" : ", not signing (a greater selector does)") + " - " + k.file());
            out.add(dkim(k));
        }
        out.add("; DMARC: receivers quarantine what fails, reports to postmaster");
        out.add(txt("_dmarc." + domain, "v=DMARC1; p=quarantine; rua=mailto:postmaster@" + domain));
        out.add("; MTA-STS: change id= whenever the policy file changes");
        out.add(txt("_mta-sts." + domain, "v=STSv1; id=" + STS_ID.format(now.withZoneSameInstant(ZoneOffset.UTC))));
        out.add("; TLS-RPT: where senders report TLS failures");
        out.add(txt("_smtp._tls." + domain, "v=TLSRPTv1; rua=mailto:postmaster@" + domain));
        if (certificate != null) {
            out.add("; TLSA (DANE): only in a DNSSEC-signed zone; publish the next key's record before a key change");
            out.add(tlsa(mxHost, certificate));
        } else {
            out.add("; TLSA: the server certificate is not known (is the tls bundle running?)");
        }
        return out;
    }

    /** A warning line per record name that two or more keys would publish (DNS names compare without case). */
    static List<String> sharedSelectorWarnings(List<DkimKeys.KeyRecord> keys) {
        Map<String, List<DkimKeys.KeyRecord>> byName = new TreeMap<>();
        keys.forEach(k -> byName.computeIfAbsent(k.dnsName().toLowerCase(Locale.ROOT), n -> new ArrayList<>())
                .add(k));
        List<String> out = new ArrayList<>();
        byName.forEach((name, same) -> {
            if (same.size() > 1) {
                out.add("; warning: " + same.size() + " keys share the selector "
                        + same.get(0).selector() + " ("
                        + same.stream().map(DkimKeys.KeyRecord::file).collect(Collectors.joining(", "))
                        + "): publish only one record at " + name + ", give the other keys new selectors"
                        + " (mta:dkim-keygen) and delete their files");
            }
        });
        return out;
    }

    private static String absolute(String name) {
        return name.endsWith(".") ? name : name + ".";
    }
}
