package org.karavel.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.annotation.Annotation;
import java.nio.file.Path;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.tls.internal.TestPki.Issued;

class TlsComponentTest {
    @TempDir
    Path dir;

    /** The typed configuration as DS would hand it over from a .cfg file (lists as one string). */
    private static TlsConfig config(String certFile, String keyFile) {
        return new TlsConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return TlsConfig.class;
            }

            @Override
            public String cert__file() {
                return certFile;
            }

            @Override
            public String key__file() {
                return keyFile;
            }

            @Override
            public String[] protocols() {
                return new String[] {"TLSv1.3,TLSv1.2"};
            }

            @Override
            public String[] cipher__suites() {
                return new String[] {"TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"};
            }

            @Override
            public String hostname() {
                return "mail.test.example";
            }
        };
    }

    @Test
    void startsSelfSignedAndSwapsToTheProvisionedCertificateOnAConfigurationChange() throws Exception {
        TlsComponent component = new TlsComponent();
        component.activate(config("", ""));
        try {
            assertThat(component.current().selfSigned()).isTrue();
            assertThat(component.current().protocols()).containsExactly("TLSv1.3", "TLSv1.2");
            assertThat(component.current().cipherSuites())
                    .containsExactly("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");

            Issued root = TestPki.root("Karavel Component Root");
            KeyPair keys = TestPki.ec();
            Issued leaf = TestPki.issue(root, "mx.test.example", keys, false);
            Path cert = TestPki.write(dir.resolve("cert.pem"), TestPki.pem(leaf.certificate()));
            Path key = TestPki.write(dir.resolve("key.pem"), TestPki.pkcs8(keys.getPrivate()));
            component.modified(config(cert.toString(), key.toString()));

            assertThat(component.current().selfSigned()).isFalse();
            assertThat(component.current().certificateFingerprint())
                    .isEqualTo(ServerCertificate.fingerprint(leaf.certificate()));
        } finally {
            component.deactivate();
        }
    }
}
