package org.karavel.tls.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.karavel.api.status.Finding;

/** The server certificate's findings: names, expiry, self-signed, and the key file's mode. */
final class CertificateStatus {
    static final String CERTIFICATE = "tls.certificate";
    static final String KEY_FILE = "tls.key-file";
    static final Duration EXPIRY_WARNING = Duration.ofDays(14);

    private CertificateStatus() {}

    static Finding certificate(X509Certificate leaf, boolean selfSigned, String hostName, Instant now) {
        if (leaf == null) {
            return Finding.error(
                    CERTIFICATE,
                    Finding.SERVER,
                    "No server certificate is loaded",
                    "Set cert_file and key_file in etc/org.karavel.tls.cfg");
        }
        List<String> names = CertificateCheck.dnsNames(leaf);
        Instant notAfter = leaf.getNotAfter().toInstant();
        String renew = "Renew the certificate (cert_file in etc/org.karavel.tls.cfg is reloaded by itself)";
        if (notAfter.isBefore(now)) {
            return Finding.error(CERTIFICATE, Finding.SERVER, "The certificate expired on " + notAfter, renew);
        }
        if (!CertificateCheck.nameMatches(leaf, hostName)) {
            return Finding.error(
                    CERTIFICATE,
                    Finding.SERVER,
                    "The certificate is for " + String.join(", ", names) + ", not for " + hostName,
                    "Get a certificate whose names include " + hostName);
        }
        if (selfSigned) {
            return Finding.warning(
                    CERTIFICATE,
                    Finding.SERVER,
                    "The certificate is self-signed (made at start): senders that insist on TLS (MTA-STS, DANE 2 x x) cannot verify it",
                    "Set cert_file and key_file in etc/org.karavel.tls.cfg to a certificate from a public CA (e.g. Let's Encrypt)");
        }
        if (notAfter.isBefore(now.plus(EXPIRY_WARNING))) {
            return Finding.warning(
                    CERTIFICATE,
                    Finding.SERVER,
                    "The certificate for " + hostName + " expires on " + notAfter + ", in "
                            + Duration.between(now, notAfter).toDays() + " day(s)",
                    renew);
        }
        return Finding.ok(
                CERTIFICATE, Finding.SERVER, "The certificate covers " + hostName + " and is valid until " + notAfter);
    }

    /** Null when there is no key file to check (a certificate made at start lives in memory only). */
    static Finding keyFile(Path file) {
        if (file == null) {
            return null;
        }
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return null;
        } catch (IOException e) {
            return Finding.error(
                    KEY_FILE,
                    Finding.SERVER,
                    "The key file " + file + " cannot be read: " + e.getMessage(),
                    "Check key_file in etc/org.karavel.tls.cfg");
        }
        if (mode.contains(PosixFilePermission.OTHERS_READ)) {
            return Finding.error(
                    KEY_FILE,
                    Finding.SERVER,
                    "Anyone on this machine can read the key file " + file,
                    "chmod 0640 " + file + " (owner root or karavel, group karavel)");
        }
        return Finding.ok(
                KEY_FILE, Finding.SERVER, "The key file " + file + " is readable by its owner and group only");
    }
}
