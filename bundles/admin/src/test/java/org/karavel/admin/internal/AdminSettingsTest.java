package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.karavel.api.auth.LoginFailures;

/** Reading the configuration: defaults, lists as .cfg files give them, and values refused. */
class AdminSettingsTest {
    /** A typed configuration as DS would make it: the given keys, the annotation's defaults for the rest. */
    static AdminConfig config(Map<String, Object> values) {
        return (AdminConfig) Proxy.newProxyInstance(
                AdminConfig.class.getClassLoader(),
                new Class<?>[] {AdminConfig.class},
                (proxy, method, args) ->
                        values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue());
    }

    @Test
    void theDefaultsBindLoopbackPort8000AndTrustOnlyLoopback() throws Exception {
        AdminSettings s = AdminSettings.from(config(Map.of()), "mx.example.org");

        assertThat(s.address()).isEqualTo("127.0.0.1");
        assertThat(s.port()).isEqualTo(8000);
        assertThat(s.tls()).isFalse();
        assertThat(s.hostname()).isEqualTo("mx.example.org");
        assertThat(s.authMaxFailures()).isEqualTo(5);
        assertThat(s.authFailureWindowSeconds()).isEqualTo(300);
        assertThat(s.maxRequestBytes()).isEqualTo(10L * 1024 * 1024);
        AdminAccess access = new AdminAccess(s, () -> null, new LoginFailures(), new AdminCounters());
        assertThat(access.trusted(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(access.trusted(InetAddress.getByName("127.8.9.10"))).isTrue();
        assertThat(access.trusted(InetAddress.getByName("::1"))).isTrue();
        assertThat(access.trusted(InetAddress.getByName("192.0.2.1"))).isFalse();
        assertThat(access.trusted(InetAddress.getByName("2001:db8::1"))).isFalse();
    }

    @Test
    void listsMayBeOneCommaSeparatedValueAndAdminNamesAreCaseInsensitive() {
        AdminSettings s = AdminSettings.from(
                config(Map.of(
                        "trusted__hosts", new String[] {"192.0.2.0/24, 2001:db8::/32"},
                        "admin__users", new String[] {"Admin@Example.org,ops@example.org"})),
                "h");

        assertThat(s.trustedHosts()).hasSize(2);
        assertThat(s.isAdmin("admin@example.org")).isTrue();
        assertThat(s.isAdmin("ops@example.org")).isTrue();
        assertThat(s.isAdmin("clerk@example.org")).isFalse();
    }

    @Test
    void nonsenseIsRefusedRatherThanGuessed() {
        assertThatThrownBy(() -> AdminSettings.from(config(Map.of("trusted__hosts", new String[] {"10.0.0.1/8"})), "h"))
                .hasMessageContaining("trusted_hosts");
        assertThatThrownBy(() -> AdminSettings.from(config(Map.of("address", "admin.example.org")), "h"))
                .hasMessageContaining("literal");
        assertThatThrownBy(() -> AdminSettings.from(config(Map.of("port", 70000)), "h"))
                .hasMessageContaining("port");
        assertThatThrownBy(() -> AdminSettings.from(config(Map.of("auth__max__failures", 0)), "h"))
                .hasMessageContaining("auth_max_failures");
    }

    @Test
    void longNonAsciiSubjectsBecomeSeveralEncodedWordsOfAtMost75Characters() {
        String subject = "Überweisung für März ".repeat(6).strip();

        String encoded = MessageInjection.encodedWord(subject);

        String[] words = encoded.split("\r\n ");
        assertThat(words)
                .hasSizeGreaterThan(1)
                .allSatisfy(w ->
                        assertThat(w).startsWith("=?utf-8?B?").endsWith("?=").hasSizeLessThanOrEqualTo(75));
        StringBuilder decoded = new StringBuilder();
        for (String w : words) {
            decoded.append(new String(
                    Base64.getDecoder().decode(w.substring(10, w.length() - 2)), StandardCharsets.UTF_8));
        }
        assertThat(decoded.toString()).isEqualTo(subject);
        assertThat(MessageInjection.encodedWord("plain ascii")).isEqualTo("plain ascii");
    }

    @Test
    void injectionHasItsOwnLimitsWithDefaultsThatFitTenThousandRecipients() {
        AdminSettings defaults = AdminSettings.from(config(Map.of()), "h");
        assertThat(defaults.injectMaxRecipients()).isEqualTo(10_000);
        assertThat(defaults.injectMaxRequestBytes()).isEqualTo(32L * 1024 * 1024);
        assertThat(defaults.maxRequestBytes("/api/v1/inject")).isEqualTo(32L * 1024 * 1024);
        assertThat(defaults.maxRequestBytes("/api/v1/messages")).isEqualTo(10L * 1024 * 1024);

        AdminSettings set = AdminSettings.from(
                config(Map.of("inject__max__recipients", 500, "inject__max__request__bytes", 1_000_000L)), "h");
        assertThat(set.injectMaxRecipients()).isEqualTo(500);
        assertThat(set.maxRequestBytes("/api/v1/inject")).isEqualTo(1_000_000L);
        assertThatThrownBy(() -> AdminSettings.from(config(Map.of("inject__max__recipients", 0)), "h"))
                .hasMessageContaining("inject_max_recipients");
        assertThatThrownBy(() -> AdminSettings.from(config(Map.of("inject__max__request__bytes", -1L)), "h"))
                .hasMessageContaining("inject_max_request_bytes");
    }
}
