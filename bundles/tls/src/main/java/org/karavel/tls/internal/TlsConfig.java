package org.karavel.tls.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of PID {@code org.karavel.tls}. A double underscore in a method name is a single
 * underscore in the property key (OSGi DS name mapping): {@code cert__file} is {@code cert_file}.
 * Lists may be given as arrays or as one comma- or space-separated string (as .cfg files do).
 */
@ObjectClassDefinition(
        id = "org.karavel.tls",
        name = "Karavel server TLS",
        description = "Server certificate and TLS settings for STARTTLS, port 465 and the admin API")
public @interface TlsConfig {
    @AttributeDefinition(
            name = "Certificate file",
            description = "PEM certificate chain, leaf first; empty: a self-signed certificate is generated at start",
            required = false)
    String cert__file() default "";

    @AttributeDefinition(
            name = "Key file",
            description = "PEM private key of the leaf (PKCS#8, PKCS#1 RSA or SEC1 EC), unencrypted, mode 600",
            required = false)
    String key__file() default "";

    @AttributeDefinition(
            name = "Protocols",
            description = "TLS protocols offered; only TLSv1.3 and TLSv1.2 are accepted")
    String[] protocols() default {"TLSv1.3", "TLSv1.2"};

    @AttributeDefinition(
            name = "Cipher suites",
            description = "Cipher suites offered, in order of preference; those the JDK lacks are left out")
    String[] cipher__suites() default {
        "TLS_AES_256_GCM_SHA384",
        "TLS_AES_128_GCM_SHA256",
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
    };

    @AttributeDefinition(
            name = "Host name",
            description = "Name put in the self-signed certificate; empty: this host's canonical name",
            required = false)
    String hostname() default "";
}
