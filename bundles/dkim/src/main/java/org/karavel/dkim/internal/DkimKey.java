package org.karavel.dkim.internal;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A DKIM key record (RFC 6376 §3.6.1, RFC 8463 §4): the public key and the restrictions on its use.
 *
 * @param type {@code rsa} or {@code ed25519}
 * @param key the public key; empty when the key was revoked ({@code p=} empty)
 * @param hashes the h= hash names allowed, empty for any
 * @param strictIdentity t=s: the i= domain must be d= itself, not a subdomain
 * @param testing t=y: the domain is testing DKIM
 */
public record DkimKey(String type, Optional<PublicKey> key, List<String> hashes, boolean strictIdentity, boolean testing) {
    /** An Ed25519 SubjectPublicKeyInfo is this fixed prefix then the 32 raw key octets (RFC 8410). */
    private static final byte[] ED25519_SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    /** The AlgorithmIdentifier of rsaEncryption, to wrap a bare PKCS#1 RSAPublicKey some publish. */
    private static final byte[] RSA_ALGORITHM_ID = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

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
        if (tags.has("v") && (!"v".equals(tags.firstName().orElse("")) || !"DKIM1".equals(tags.get("v").get()))) {
            throw new KeyException("invalid key record version");
        }
        String type = tags.get("k").orElse("rsa").toLowerCase(Locale.ROOT);
        if (!type.equals("rsa") && !type.equals("ed25519")) {
            throw new KeyException("unknown key type " + type);
        }
        List<String> hashes = tags.get("h")
                .map(h -> Arrays.stream(h.split(":")).map(s -> s.strip().toLowerCase(Locale.ROOT)).toList())
                .orElse(List.of());
        Optional<String> services = tags.get("s");
        if (services.isPresent() && Arrays.stream(services.get().split(":")).map(String::strip)
                .noneMatch(s -> s.equals("*") || s.equalsIgnoreCase("email"))) {
            throw new KeyException("key not for email");
        }
        List<String> flags = tags.get("t")
                .map(t -> Arrays.stream(t.split(":")).map(s -> s.strip().toLowerCase(Locale.ROOT)).toList())
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
            if (type.equals("ed25519")) {
                if (der.length != 32) {
                    throw new KeyException("ed25519 key is not 32 octets");
                }
                return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(ED25519_SPKI_PREFIX, der)));
            }
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            try {
                return rsa.generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                return rsa.generatePublic(new X509EncodedKeySpec(pkcs1ToSpki(der)));
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new KeyException("unusable " + type + " key");
        }
    }

    /** Wraps a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo. */
    private static byte[] pkcs1ToSpki(byte[] pkcs1) {
        byte[] bitString = concat(new byte[] {0x03}, derLength(pkcs1.length + 1), new byte[] {0x00}, pkcs1);
        byte[] body = concat(RSA_ALGORITHM_ID, bitString);
        return concat(new byte[] {0x30}, derLength(body.length), body);
    }

    private static byte[] derLength(int n) {
        if (n < 0x80) {
            return new byte[] {(byte) n};
        }
        if (n < 0x100) {
            return new byte[] {(byte) 0x81, (byte) n};
        }
        return new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** The RSA modulus size in bits, or 0 for other keys. */
    public int rsaBits() {
        return key.filter(k -> k instanceof RSAPublicKey).map(k -> ((RSAPublicKey) k).getModulus().bitLength()).orElse(0);
    }
}
