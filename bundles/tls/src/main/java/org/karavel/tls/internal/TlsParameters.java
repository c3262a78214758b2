package org.karavel.tls.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLParameters;
import org.karavel.api.config.ListProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocols and cipher suites to enable, cleaned from the configuration: lists may arrive as one
 * comma- or space-separated string, only TLSv1.3 and TLSv1.2 are ever enabled, and suites the JDK
 * does not support are left out (with a warning) rather than failing every handshake.
 */
record TlsParameters(List<String> protocols, List<String> cipherSuites) {
    private static final Logger LOG = LoggerFactory.getLogger(TlsParameters.class);

    static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** Forward-secret AEAD suites only: TLS 1.3, then TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305. */
    static final List<String> DEFAULT_CIPHER_SUITES = List.of(
            "TLS_AES_256_GCM_SHA384",
            "TLS_AES_128_GCM_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private static final Set<String> ALLOWED_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

    TlsParameters {
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
    }

    /**
     * @param protocols as configured (array entries may themselves be comma/space-separated lists)
     * @param cipherSuites as configured, likewise
     * @param supported what the JDK's TLS implementation supports
     */
    static TlsParameters from(String[] protocols, String[] cipherSuites, SSLParameters supported) {
        Set<String> supportedProtocols = Set.of(supported.getProtocols());
        List<String> chosenProtocols = new ArrayList<>();
        for (String protocol : split(protocols)) {
            if (!ALLOWED_PROTOCOLS.contains(protocol)) {
                LOG.warn("protocol {} is left out: only TLSv1.3 and TLSv1.2 are offered", protocol);
            } else if (!supportedProtocols.contains(protocol)) {
                LOG.warn("protocol {} is left out: this JDK does not support it", protocol);
            } else {
                chosenProtocols.add(protocol);
            }
        }
        if (chosenProtocols.isEmpty()) {
            LOG.warn("no usable protocol configured; using {}", DEFAULT_PROTOCOLS);
            chosenProtocols.addAll(DEFAULT_PROTOCOLS);
        }
        Set<String> supportedSuites = Set.of(supported.getCipherSuites());
        List<String> chosenSuites = new ArrayList<>();
        for (String suite : split(cipherSuites)) {
            if (supportedSuites.contains(suite)) {
                chosenSuites.add(suite);
            } else {
                LOG.warn("cipher suite {} is left out: this JDK does not support it", suite);
            }
        }
        if (chosenSuites.isEmpty()) {
            LOG.warn("no usable cipher suite configured; using the default forward-secret AEAD suites");
            DEFAULT_CIPHER_SUITES.stream().filter(supportedSuites::contains).forEach(chosenSuites::add);
        }
        return new TlsParameters(chosenProtocols, chosenSuites);
    }

    /** Flattens {@code {"a, b", "c"}} to {@code [a, b, c]}, without blanks or repeats. */
    static List<String> split(String[] values) {
        return List.copyOf(new LinkedHashSet<>(ListProperty.entries(values)));
    }
}
