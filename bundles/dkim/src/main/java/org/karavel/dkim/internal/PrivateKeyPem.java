package org.karavel.dkim.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.util.Base64;

/**
 * Private keys in PEM: PKCS#8 ({@code BEGIN PRIVATE KEY}, what Karavel writes and what
 * {@code openssl genpkey} gives) and, for RSA, PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, what
 * {@code opendkim-genkey} gives), so existing keys can be dropped in as they are.
 */
final class PrivateKeyPem {
    /** The AlgorithmIdentifier of rsaEncryption, to wrap a PKCS#1 key in PKCS#8. */
    private static final byte[] RSA_ALGORITHM_ID = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private PrivateKeyPem() {}

    /**
     * Reads a PEM private key of the given algorithm.
     *
     * @param algorithm {@code rsa} or {@code ed25519}
     * @throws GeneralSecurityException naming what is wrong, never quoting the key
     */
    static PrivateKey parse(String pem, String algorithm) throws GeneralSecurityException {
        boolean pkcs1 = pem.contains(boundary("BEGIN", "RSA PRIVATE KEY"));
        String label = pkcs1 ? "RSA PRIVATE KEY" : "PRIVATE KEY";
        int begin = pem.indexOf(boundary("BEGIN", label));
        int end = pem.indexOf(boundary("END", label));
        if (begin < 0 || end < begin) {
            if (pem.contains("ENCRYPTED PRIVATE KEY")) {
                throw new GeneralSecurityException("the key is encrypted; store it without a passphrase (mode 0600)");
            }
            throw new GeneralSecurityException("no " + boundary("BEGIN", "PRIVATE KEY") + " block");
        }
        String base64 = pem.substring(begin + label.length() + 16, end).replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("invalid base64 in the PEM block");
        }
        if (pkcs1) {
            if (!algorithm.equals("rsa")) {
                throw new GeneralSecurityException("an RSA key in a file named for " + algorithm);
            }
            der = pkcs1ToPkcs8(der);
        }
        try {
            return KeyFactory.getInstance(algorithm.equals("rsa") ? "RSA" : "Ed25519")
                    .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new GeneralSecurityException("not a PKCS#8 " + algorithm + " private key");
        }
    }

    /** The PKCS#8 PEM text of a key, 64 base64 characters a line. */
    static String format(PrivateKey key) {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
        return boundary("BEGIN", "PRIVATE KEY") + "\n" + base64 + "\n" + boundary("END", "PRIVATE KEY") + "\n";
    }

    /** PrivateKeyInfo ::= SEQUENCE { version 0, rsaEncryption, OCTET STRING { RSAPrivateKey } }. */
    private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = concat(new byte[] {0x04}, derLength(pkcs1.length), pkcs1);
        byte[] body = concat(version, RSA_ALGORITHM_ID, octets);
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

    /** A PEM boundary line such as the one that opens a PKCS#8 key (this file holds no key). */
    private static String boundary(String which, String label) {
        return "-----" + which + " " + label + "-----";
    }
}
