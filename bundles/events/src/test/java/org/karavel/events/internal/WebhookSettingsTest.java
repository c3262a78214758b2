package org.karavel.events.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.events.MessageEvent;

class WebhookSettingsTest {
    @TempDir
    Path dir;

    @Test
    void httpsAnywhereHttpOnlyToLoopback() throws Exception {
        assertThat(WebhookSettings.url("https://hooks.example.com/k").getHost()).isEqualTo("hooks.example.com");
        assertThat(WebhookSettings.url("http://127.0.0.1:9000/k").getPort()).isEqualTo(9000);
        assertThat(WebhookSettings.url("http://[::1]:9000/k").getPort()).isEqualTo(9000);
        assertThat(WebhookSettings.url("http://localhost/k").getHost()).isEqualTo("localhost");
        assertBad(() -> WebhookSettings.url("http://hooks.example.com/k"), "url", "use https");
        assertBad(() -> WebhookSettings.url("http://192.0.2.1/k"), "url", "use https");
        assertBad(() -> WebhookSettings.url("ftp://example.com/"), "url", "not an https:// URL");
        assertBad(() -> WebhookSettings.url("https://user:pw@example.com/"), "url", "user and password");
        assertBad(() -> WebhookSettings.url(""), "url", "missing");
    }

    @Test
    void theKeyComesFromAFileAndIsLongEnough() throws Exception {
        Path good = Files.writeString(dir.resolve("good.key"), "  0123456789abcdef0123\n");
        assertThat(WebhookSettings.key(good.toString())).isEqualTo("0123456789abcdef0123".getBytes());
        Path shortKey = Files.writeString(dir.resolve("short.key"), "secret\n");
        assertBad(() -> WebhookSettings.key(shortKey.toString()), "secret_file", "at least 16");
        assertBad(() -> WebhookSettings.key(dir.resolve("none").toString()), "secret_file", "cannot read");
        assertBad(() -> WebhookSettings.key(""), "secret_file", "missing");
    }

    @Test
    void eventTypesByTheirWords() throws Exception {
        assertThat(WebhookSettings.types(new String[] {"delivered", " bounced,dsn_sent"}))
                .containsExactlyInAnyOrder(
                        MessageEvent.Type.DELIVERED, MessageEvent.Type.BOUNCED, MessageEvent.Type.DSN_SENT);
        assertThat(WebhookSettings.types(new String[0])).hasSize(MessageEvent.Type.values().length);
        assertThat(WebhookSettings.types(new String[] {"all"})).hasSize(MessageEvent.Type.values().length);
        assertBad(() -> WebhookSettings.types(new String[] {"delivred"}), "events", "'delivred' is not an event type");
    }

    @Test
    void theNameComesFromTheFile() {
        assertThat(WebhookComponent.nameOf("/opt/karavel/etc/org.karavel.events.webhook-crm.cfg"))
                .isEqualTo("crm");
        assertThat(WebhookComponent.nameOf("configuration x")).isEmpty();
    }

    private interface Parse {
        Object run() throws Exception;
    }

    private static void assertBad(Parse p, String key, String text) {
        assertThatThrownBy(p::run)
                .isInstanceOf(WebhookSettings.Bad.class)
                .hasMessageContaining(text)
                .satisfies(e -> assertThat(((WebhookSettings.Bad) e).key).isEqualTo(key));
    }
}
