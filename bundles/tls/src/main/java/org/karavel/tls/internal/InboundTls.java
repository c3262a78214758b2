package org.karavel.tls.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.karavel.api.tls.ServerTls;
import org.karavel.api.tls.ServerTlsContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server TLS snapshot and its upkeep: loads the provisioned PEM certificate and key (or
 * generates a self-signed certificate in memory), and polls the two files so that a renewed
 * certificate is served from the next connection on. A broken replacement never replaces a working
 * certificate: it is logged and the old snapshot stays.
 */
final class InboundTls implements ServerTls, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InboundTls.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path certFile;
    private final Path keyFile;
    private final String hostname;
    private final TlsParameters parameters;
    private final ScheduledExecutorService watcher;
    private volatile ServerTlsContext current;
    private volatile String lastProblem;
    // touched only by the watcher thread (and the constructor before it starts)
    private List<Object> lastSeen;
    private boolean pending;

    /**
     * @param certFile PEM chain, or {@code null} for a self-signed certificate
     * @param keyFile PEM private key, or {@code null} for a self-signed certificate
     * @param hostname the name for a self-signed certificate
     * @param pollInterval how often the files are checked for a change
     */
    InboundTls(
            Path certFile,
            Path keyFile,
            String[] protocols,
            String[] cipherSuites,
            String hostname,
            Duration pollInterval) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.hostname = hostname;
        this.parameters = TlsParameters.from(protocols, cipherSuites, supportedParameters());
        if (certFile == null || keyFile == null) {
            if (certFile != null || keyFile != null) {
                LOG.error("only one of cert_file and key_file is set; both are needed");
            }
            serveSelfSigned();
            this.watcher = null;
            return;
        }
        lastSeen = stamp();
        try {
            install(ServerCertificate.fromFiles(certFile, keyFile));
        } catch (CertificateProblem | RuntimeException e) {
            lastProblem = e.getMessage();
            LOG.error("cannot use the provisioned certificate: {}", e.getMessage());
            serveSelfSigned();
        }
        this.watcher = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "karavel-tls-watch");
            thread.setDaemon(true);
            return thread;
        });
        long millis = pollInterval.toMillis();
        watcher.scheduleWithFixedDelay(this::poll, millis, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public ServerTlsContext current() {
        return current;
    }

    /** The last reason a provisioned certificate could not be used, or {@code null} (for diagnostics). */
    String lastProblem() {
        return lastProblem;
    }

    TlsParameters parameters() {
        return parameters;
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }

    private void serveSelfSigned() {
        ServerCertificate generated = ServerCertificate.selfSigned(hostname);
        current = snapshot(generated);
        LOG.warn(
                "no usable certificate provisioned: serving a self-signed certificate for {} generated at start, "
                        + "SHA-256 fingerprint {}; set cert_file and key_file in etc/org.karavel.tls.cfg",
                hostname,
                current.certificateFingerprint());
    }

    /** Reloads once the files changed and then stayed the same for one interval (both written). */
    private void poll() {
        try {
            List<Object> seen = stamp();
            if (!seen.equals(lastSeen)) {
                lastSeen = seen;
                pending = true;
                return;
            }
            if (!pending) {
                return;
            }
            pending = false;
            ServerTlsContext before = current;
            try {
                install(ServerCertificate.fromFiles(certFile, keyFile));
                lastProblem = null;
                LOG.info(
                        "certificate reloaded: now serving SHA-256 {} (was {})",
                        current.certificateFingerprint(),
                        before.certificateFingerprint());
            } catch (CertificateProblem | RuntimeException e) {
                lastProblem = e.getMessage();
                LOG.error(
                        "certificate not reloaded: {}; still serving SHA-256 {}",
                        e.getMessage(),
                        before.certificateFingerprint());
            }
        } catch (RuntimeException e) {
            LOG.error("certificate watch failed: {}", e.toString());
        }
    }

    private void install(ServerCertificate certificate) throws CertificateProblem {
        ServerTlsContext next = snapshot(certificate);
        String looseMode = looseKeyFilePermissions(keyFile);
        if (looseMode != null) {
            LOG.warn(looseMode);
        }
        String validity = certificate.validityProblem();
        if (validity != null) {
            LOG.warn("the certificate in {} is {}; clients that verify will refuse it", certFile, validity);
        }
        checkOrder(certificate.chain());
        current = next;
    }

    private void checkOrder(List<X509Certificate> chain) {
        for (int i = 0; i + 1 < chain.size(); i++) {
            if (!chain.get(i).getIssuerX500Principal().equals(chain.get(i + 1).getSubjectX500Principal())) {
                LOG.warn(
                        "{}: certificate {} was not issued by the next one; the chain should be leaf first, "
                                + "then each issuer",
                        certFile,
                        i + 1);
                return;
            }
        }
    }

    private ServerTlsContext snapshot(ServerCertificate certificate) {
        try {
            char[] password = new char[16];
            for (int i = 0; i < password.length; i++) {
                password[i] = (char) ('a' + RANDOM.nextInt(26));
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(
                    "server", certificate.key(), password, certificate.chain().toArray(new X509Certificate[0]));
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), null, null);
            return new ServerTlsContext(
                    context,
                    parameters.protocols().toArray(new String[0]),
                    parameters.cipherSuites().toArray(new String[0]),
                    certificate.fingerprint(),
                    certificate.selfSigned(),
                    certificate.chain());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(
                    "cannot build the TLS context: " + e.getClass().getSimpleName(), e);
        }
    }

    /** Size, modification time and inode of both files: a change in any (or a rename over) is a change. */
    private List<Object> stamp() {
        List<Object> stamp = new ArrayList<>();
        for (Path file : new Path[] {certFile, keyFile}) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                stamp.add(attributes.lastModifiedTime());
                stamp.add(attributes.size());
                stamp.add(String.valueOf(attributes.fileKey()));
            } catch (IOException e) {
                stamp.add("missing");
            }
        }
        return stamp;
    }

    /** A warning when the key file can be read by group or others, naming the fix; {@code null} otherwise. */
    static String looseKeyFilePermissions(Path keyFile) {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(keyFile);
            Set<PosixFilePermission> loose = EnumSet.of(
                    PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
            loose.retainAll(mode);
            if (loose.isEmpty()) {
                return null;
            }
            return "the private key file " + keyFile + " is readable or writable by group or others; run: chmod 600 "
                    + keyFile;
        } catch (UnsupportedOperationException | IOException e) {
            return null;
        }
    }

    private static SSLParameters supportedParameters() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, null, null);
            return context.getSupportedSSLParameters();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no TLS", e);
        }
    }
}
