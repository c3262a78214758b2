package org.karavel.dkim.internal;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.Base64;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.encoders.DecoderException;

/**
 * Private keys in PEM: PKCS#8 ({@code BEGIN PRIVATE KEY}, what Karavel writes and what
 * {@code openssl genpkey} gives) and, for RSA, PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, what
 * {@code opendkim-genkey} gives), so existing keys can be dropped in as they are. BouncyCastle
 * parses; the JDK's providers hold the key (the converter is left on its default).
 */
final class PrivateKeyPem {
    private PrivateKeyPem() {}

    /**
     * Reads the one PEM private key of a file; other PEM blocks (a certificate) and text around them
     * are skipped.
     *
     * @param algorithm {@code rsa} or {@code ed25519}, as the file name says
     * @throws GeneralSecurityException naming what is wrong, never quoting the key
     */
    static PrivateKey parse(String pem, String algorithm) throws GeneralSecurityException {
        PrivateKeyInfo found = null;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object;
            while ((object = parser.readObject()) != null) {
                PrivateKeyInfo info;
                if (object instanceof PEMKeyPair pair) {
                    info = pair.getPrivateKeyInfo();
                    if (isRsa(info) && !algorithm.equals("rsa")) {
                        throw new GeneralSecurityException("an RSA key in a file named for " + algorithm);
                    }
                } else if (object instanceof PrivateKeyInfo pkcs8) {
                    info = pkcs8;
                } else if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new GeneralSecurityException(
                            "the key is encrypted; store it without a passphrase (mode 0600)");
                } else {
                    continue;
                }
                if (found != null) {
                    // two keys: signing with the wrong one would fail at every receiver
                    throw new GeneralSecurityException("more than one private key in the file; keep one key per file");
                }
                found = info;
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DecoderException || e.getCause() instanceof DecoderException) {
                throw new GeneralSecurityException("invalid base64 in the PEM block");
            }
            // BouncyCastle's message could quote the file: not passed on
            throw new GeneralSecurityException("not a PKCS#8 " + algorithm + " private key");
        }
        if (found == null) {
            throw new GeneralSecurityException("no " + boundary("BEGIN", "PRIVATE KEY") + " block");
        }
        ASN1ObjectIdentifier expected =
                algorithm.equals("rsa") ? PKCSObjectIdentifiers.rsaEncryption : EdECObjectIdentifiers.id_Ed25519;
        if (!expected.equals(found.getPrivateKeyAlgorithm().getAlgorithm())) {
            throw new GeneralSecurityException("not a PKCS#8 " + algorithm + " private key");
        }
        try {
            return new JcaPEMKeyConverter().getPrivateKey(found);
        } catch (IOException | RuntimeException e) {
            throw new GeneralSecurityException("not a PKCS#8 " + algorithm + " private key");
        }
    }

    private static boolean isRsa(PrivateKeyInfo info) {
        return PKCSObjectIdentifiers.rsaEncryption.equals(
                info.getPrivateKeyAlgorithm().getAlgorithm());
    }

    /** The PKCS#8 PEM text of a key (the JDK's own encoding of it), 64 base64 characters a line. */
    static String format(PrivateKey key) {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded());
        return boundary("BEGIN", "PRIVATE KEY") + "\n" + base64 + "\n" + boundary("END", "PRIVATE KEY") + "\n";
    }

    /** A PEM boundary line such as the one that opens a PKCS#8 key (this file holds no key). */
    private static String boundary(String which, String label) {
        return "-----" + which + " " + label + "-----";
    }
}
