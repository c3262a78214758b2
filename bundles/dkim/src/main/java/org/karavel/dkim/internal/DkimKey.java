package org.karavel.dkim.internal;

import java.io.IOException;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * A DKIM key record (RFC 6376 §3.6.1, RFC 8463 §4): the public key and the restrictions on its use.
 *
 * @param type {@code rsa} or {@code ed25519}
 * @param key the public key; empty when the key was revoked ({@code p=} empty)
 * @param hashes the h= hash names allowed, empty for any
 * @param strictIdentity t=s: the i= domain must be d= itself, not a subdomain
 * @param testing t=y: the domain is testing DKIM
 */
public record DkimKey(
        String type, Optional<PublicKey> key, List<String> hashes, boolean strictIdentity, boolean testing) {
    /** A record that cannot be used. */
    public static final class KeyException extends Exception {
        private static final long serialVersionUID = 1L;

        KeyException(String message) {
            super(message);
        }
    }

    public static DkimKey parse(String record) throws KeyException {
        TagList tags;
        try {
            tags = TagList.parse(record);
        } catch (IllegalArgumentException e) {
            throw new KeyException("key syntax error: " + e.getMessage());
        }
        if (tags.has("v")
                && (!"v".equals(tags.firstName().orElse(""))
                        || !"DKIM1".equals(tags.get("v").get()))) {
            throw new KeyException("invalid key record version");
        }
        String type = tags.get("k").orElse("rsa").toLowerCase(Locale.ROOT);
        if (!type.equals("rsa") && !type.equals("ed25519")) {
            throw new KeyException("unknown key type " + type);
        }
        List<String> hashes = tags.get("h")
                .map(h -> Arrays.stream(h.split(":"))
                        .map(s -> s.strip().toLowerCase(Locale.ROOT))
                        .toList())
                .orElse(List.of());
        Optional<String> services = tags.get("s");
        if (services.isPresent()
                && Arrays.stream(services.get().split(":"))
                        .map(String::strip)
                        .noneMatch(s -> s.equals("*") || s.equalsIgnoreCase("email"))) {
            throw new KeyException("key not for email");
        }
        List<String> flags = tags.get("t")
                .map(t -> Arrays.stream(t.split(":"))
                        .map(s -> s.strip().toLowerCase(Locale.ROOT))
                        .toList())
                .orElse(List.of());
        String p = tags.getCompact("p").orElseThrow(() -> new KeyException("key record without p="));
        Optional<PublicKey> key = p.isEmpty() ? Optional.empty() : Optional.of(publicKey(type, p));
        return new DkimKey(type, key, hashes, flags.contains("s"), flags.contains("y"));
    }

    private static PublicKey publicKey(String type, String base64) throws KeyException {
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new KeyException("invalid base64 in p=");
        }
        try {
            SubjectPublicKeyInfo info;
            if (type.equals("ed25519")) {
                if (der.length != 32) {
                    throw new KeyException("ed25519 key is not 32 octets");
                }
                info = new SubjectPublicKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), der);
            } else {
                info = rsaPublicKeyInfo(der);
            }
            return new JcaPEMKeyConverter().getPublicKey(info);
        } catch (IOException | RuntimeException e) {
            throw new KeyException("unusable " + type + " key");
        }
    }

    /**
     * RFC 6376 publishes a SubjectPublicKeyInfo; some signers publish the bare PKCS#1 RSAPublicKey,
     * which is wrapped here. Either way the algorithm must be rsaEncryption.
     */
    private static SubjectPublicKeyInfo rsaPublicKeyInfo(byte[] der) throws IOException {
        SubjectPublicKeyInfo info;
        try {
            info = SubjectPublicKeyInfo.getInstance(der);
        } catch (IllegalArgumentException notSpki) {
            info = new SubjectPublicKeyInfo(
                    new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                    org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(der));
        }
        if (!PKCSObjectIdentifiers.rsaEncryption.equals(info.getAlgorithm().getAlgorithm())) {
            throw new IOException("not an RSA key");
        }
        return info;
    }

    /** The RSA modulus size in bits, or 0 for other keys. */
    public int rsaBits() {
        return key.filter(k -> k instanceof RSAPublicKey)
                .map(k -> ((RSAPublicKey) k).getModulus().bitLength())
                .orElse(0);
    }
}
