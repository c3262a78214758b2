package org.karavel.tls.internal;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM certificate chains and private keys with BouncyCastle's parser. The converters are left
 * on their default (the JDK's providers): BouncyCastle parses, the JDK holds the keys.
 * Error messages never quote file content.
 */
final class PemFiles {
    private PemFiles() {}

    /** The certificates of a PEM file, in file order (leaf first); other PEM blocks are skipped. */
    static List<X509Certificate> readChain(Path file) throws CertificateProblem {
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        List<X509Certificate> chain = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            Object object;
            while ((object = parser.readObject()) != null) {
                if (object instanceof X509CertificateHolder holder) {
                    chain.add(converter.getCertificate(holder));
                }
            }
        } catch (NoSuchFileException e) {
            throw new CertificateProblem(file, "no such file");
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new CertificateProblem(
                    file, "not a PEM certificate chain (" + e.getClass().getSimpleName() + ")");
        }
        if (chain.isEmpty()) {
            throw new CertificateProblem(file, "no CERTIFICATE block found");
        }
        return List.copyOf(chain);
    }

    /**
     * The one private key of a PEM file: PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY})
     * or SEC1 ({@code EC PRIVATE KEY}); unencrypted. Certificates and EC parameter blocks are skipped.
     */
    static PrivateKey readKey(Path file) throws CertificateProblem {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        PrivateKey key = null;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            Object object;
            while ((object = parser.readObject()) != null) {
                PrivateKey found;
                if (object instanceof PEMKeyPair pair) {
                    found = converter.getKeyPair(pair).getPrivate();
                } else if (object instanceof PrivateKeyInfo info) {
                    found = converter.getPrivateKey(info);
                } else if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new CertificateProblem(file, "the private key is encrypted; give it unencrypted, mode 600");
                } else {
                    continue;
                }
                if (key != null) {
                    throw new CertificateProblem(file, "more than one private key");
                }
                key = found;
            }
        } catch (NoSuchFileException e) {
            throw new CertificateProblem(file, "no such file");
        } catch (IOException | RuntimeException e) {
            // the exception message could quote the file; only its type is logged
            throw new CertificateProblem(
                    file, "not a PEM private key (" + e.getClass().getSimpleName() + ")");
        }
        if (key == null) {
            throw new CertificateProblem(file, "no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block found");
        }
        return key;
    }
}
