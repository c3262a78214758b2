package org.karavel.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthComponentTest {
    @TempDir
    Path dir;

    /** The typed configuration as DS would build it from these properties (defaults for the rest). */
    static AuthConfig config(Map<String, String> props) {
        return (AuthConfig) Proxy.newProxyInstance(
                AuthConfig.class.getClassLoader(), new Class<?>[] {AuthConfig.class}, (proxy, method, args) -> {
                    String key = method.getName().replace("__", "_");
                    return props.containsKey(key) ? props.get(key) : method.getDefaultValue();
                });
    }

    @Test
    void expandsKarafEtcInTheDefaultPath() {
        String before = System.getProperty("karaf.etc");
        System.setProperty("karaf.etc", "/opt/karavel/etc");
        try {
            assertThat(AuthComponent.expand(AuthComponent.DEFAULT_PASSWD_FILE))
                    .isEqualTo("/opt/karavel/etc/karavel.passwd");
        } finally {
            if (before == null) {
                System.clearProperty("karaf.etc");
            } else {
                System.setProperty("karaf.etc", before);
            }
        }
    }

    @Test
    void picksUpAnEditedFileWithinSeconds() throws Exception {
        Path f = dir.resolve("karavel.passwd");
        Files.write(f, List.of("alice@example.com:{SHA256-CRYPT}" + PasswordSchemeTest.SHA256));
        AuthComponent c = new AuthComponent();
        c.activate(config(Map.of("passwd_file", f.toString(), "default_scheme", "SHA256-CRYPT")));
        try {
            assertThat(c.list()).containsExactly("alice@example.com");
            Files.write(
                    f,
                    List.of(
                            "alice@example.com:{SHA256-CRYPT}" + PasswordSchemeTest.SHA256,
                            "bob@example.com:{SHA512-CRYPT}" + PasswordSchemeTest.SHA512));
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(c.list()).containsExactly("alice@example.com", "bob@example.com"));
            assertThat(c.authenticate("bob@example.com", "secret".toCharArray())
                            .toCompletableFuture()
                            .get())
                    .contains("bob@example.com");
            c.add("carol@example.com", "pw".toCharArray());
            assertThat(Files.readString(f)).contains("carol@example.com:{SHA256-CRYPT}$5$");
        } finally {
            c.deactivate();
        }
    }
}
