package org.karavel.status.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.karavel.api.status.Finding;

class AccessCheckTest {
    private static Hashtable<String, Object> props(Map<String, String> m) {
        return new Hashtable<>(m);
    }

    @Test
    void theAdminApiOnLoopbackIsOkAndOnTheNetworkNeedsTlsAndCredentials() {
        assertThat(AccessCheck.admin(null).level()).isEqualTo(Finding.Level.OK);
        assertThat(AccessCheck.admin(props(Map.of("address", "::1", "port", "8000")))
                        .found())
                .contains("this machine only");
        Finding clear = AccessCheck.admin(props(Map.of("address", "0.0.0.0", "tls", "false")));
        assertThat(clear.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(clear.fix()).contains("tls = true");
        Finding open = AccessCheck.admin(props(Map.of("address", "192.0.2.1", "tls", "true")));
        assertThat(open.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(open.found()).contains("asks no credentials");
        assertThat(AccessCheck.admin(props(Map.of("address", "192.0.2.1", "tls", "true", "admin_users", "ops")))
                        .level())
                .isEqualTo(Finding.Level.OK);
        assertThat(AccessCheck.admin(props(Map.of("enabled", "false", "address", "0.0.0.0")))
                        .found())
                .contains("turned off");
    }

    @Test
    void sshFromTheNetworkWithPasswordsIsAWarningNamingTheUsers() {
        assertThat(AccessCheck.ssh(props(Map.of("sshHost", "127.0.0.1")), List.of("karaf"))
                        .level())
                .isEqualTo(Finding.Level.OK);
        Finding passwords = AccessCheck.ssh(props(Map.of("sshHost", "0.0.0.0", "sshPort", "8101")), List.of("karaf"));
        assertThat(passwords.level()).isEqualTo(Finding.Level.WARNING);
        assertThat(passwords.found()).contains("0.0.0.0:8101").contains("password logins (karaf)");
        // a host name is never looked up, and not taken for loopback
        assertThat(AccessCheck.isLoopback("localhost")).isTrue();
        assertThat(AccessCheck.isLoopback("ssh.example.test")).isFalse();
    }
}
