package org.karavel.dkim.internal;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;

/**
 * A private key to sign with, and what identifies it in a signature (d=, s=, a=).
 *
 * @param domain the signing domain, lower case
 * @param algorithm {@code rsa} or {@code ed25519}
 * @param publicKey the p= of its DNS key record (base64: SubjectPublicKeyInfo for RSA, the 32 raw octets for Ed25519)
 * @param bits the RSA modulus size, 256 for Ed25519
 * @param file where it was read from (or written to)
 */
record SigningKey(
        String domain, String selector, String algorithm, PrivateKey key, String publicKey, int bits, Path file) {

    /** Builds a key, deriving its public half. */
    static SigningKey of(String domain, String selector, String algorithm, PrivateKey key, Path file)
            throws GeneralSecurityException {
        if (key instanceof RSAPrivateCrtKey rsa) {
            byte[] spki = KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()))
                    .getEncoded();
            return new SigningKey(
                    domain,
                    selector,
                    algorithm,
                    key,
                    Base64.getEncoder().encodeToString(spki),
                    rsa.getModulus().bitLength(),
                    file);
        }
        if (key instanceof EdECPrivateKey ed) {
            return new SigningKey(
                    domain,
                    selector,
                    algorithm,
                    key,
                    Base64.getEncoder().encodeToString(Ed25519PublicKey.of(ed)),
                    256,
                    file);
        }
        throw new GeneralSecurityException("an RSA key without its CRT parameters cannot be used");
    }

    /** The a= tag: {@code rsa-sha256} or {@code ed25519-sha256}. */
    String signatureAlgorithm() {
        return algorithm + "-sha256";
    }

    /** The owner name of the key record, without trailing dot. */
    String dnsName() {
        return selector + "._domainkey." + domain;
    }

    /** The key record's TXT value, unsplit. */
    String txt() {
        return "v=DKIM1; k=" + algorithm + "; p=" + publicKey;
    }

    @Override
    public String toString() {
        return "SigningKey[" + algorithm + " " + dnsName() + " " + file + "]"; // never the key itself
    }
}
