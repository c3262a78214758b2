package org.karavel.api.dkim;

import java.io.IOException;
import java.util.List;

/**
 * The DKIM signing keys of this server, published by the dkim bundle: the one place that knows
 * where and how key files are stored. Used by the shell ({@code mta:dkim-keygen},
 * {@code mta:dns-records}).
 */
public interface DkimKeys {
    /** Key algorithm {@code rsa} (rsa-sha256). */
    String RSA = "rsa";
    /** Key algorithm {@code ed25519} (ed25519-sha256, RFC 8463). */
    String ED25519 = "ed25519";

    /**
     * One key and the DNS record that publishes its public half.
     *
     * @param domain the signing domain (d=), lower case
     * @param selector the selector (s=)
     * @param algorithm {@link #RSA} or {@link #ED25519}
     * @param bits the RSA modulus size, 256 for Ed25519
     * @param file where the private key is stored
     * @param dnsName the record's owner name, {@code <selector>._domainkey.<domain>}, without trailing dot
     * @param txt the record's whole TXT value, e.g. {@code v=DKIM1; k=rsa; p=MIIB...}, not yet split into strings
     * @param active whether messages are signed with this key now (one key per domain and algorithm is)
     */
    record KeyRecord(
            String domain,
            String selector,
            String algorithm,
            int bits,
            String file,
            String dnsName,
            String txt,
            boolean active) {}

    /**
     * Generates a key pair and stores the private key (readable by the service user only).
     *
     * @param algorithm {@link #RSA} or {@link #ED25519}
     * @param bits the RSA modulus size (1024 to 4096; 0 for the default, 2048); ignored for Ed25519
     * @throws IllegalArgumentException for an invalid domain, selector, algorithm or size
     * @throws IOException when the key cannot be written, or already exists (never overwritten)
     */
    KeyRecord generate(String domain, String selector, String algorithm, int bits) throws IOException;

    /** The keys stored for a domain (case-insensitive), with their DNS records; broken key files are left out. */
    List<KeyRecord> records(String domain);
}
