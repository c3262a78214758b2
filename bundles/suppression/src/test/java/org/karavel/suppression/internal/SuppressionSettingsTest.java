package org.karavel.suppression.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SuppressionSettingsTest {
    /** A SuppressionConfig as DS would make it: the annotation defaults, overridden by {@code values}. */
    static SuppressionConfig config(Map<String, Object> values) {
        return (SuppressionConfig) Proxy.newProxyInstance(
                SuppressionConfig.class.getClassLoader(),
                new Class<?>[] {SuppressionConfig.class},
                (proxy, method, args) -> {
                    Object v = values.get(method.getName());
                    return v != null ? v : method.getDefaultValue();
                });
    }

    @Test
    void defaultsSuppressHardBouncesForAYearForRelayHostApplications() {
        SuppressionSettings s = SuppressionSettings.from(config(Map.of()));
        assertThat(s).isEqualTo(SuppressionSettings.defaults(s.storeDirectory()));
        assertThat(s.categories()).containsExactlyInAnyOrder("invalid_recipient", "bad_domain");
        assertThat(s.expiry()).isEqualTo(Duration.ofDays(365));
        assertThat(s.listeners()).containsExactly("mx");
        assertThat(s.users()).isEmpty();
    }

    @Test
    void listsAreSplitLowerCasedAndBadCategoriesLeftOut() {
        SuppressionSettings s = SuppressionSettings.from(config(Map.of(
                "categories", new String[] {"invalid_recipient, Mailbox_Full", "bad-category!"},
                "applies__to__users", new String[] {"App@Example.com newsletter@example.com"},
                "applies__to__listeners", new String[] {"submission,submissions"},
                "expiry__days", -3L,
                "purge__interval__minutes", 0L)));
        assertThat(s.categories()).containsExactlyInAnyOrder("invalid_recipient", "mailbox_full");
        assertThat(s.users()).containsExactlyInAnyOrder("app@example.com", "newsletter@example.com");
        assertThat(s.listeners()).containsExactlyInAnyOrder("submission", "submissions");
        assertThat(s.expiry()).as("negative: never expires").isZero();
        assertThat(s.purgeInterval()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void storeDirectoryFollowsKarafData() {
        assertThat(SuppressionSettings.storeDirectory("", "/opt/karavel/data"))
                .isEqualTo(Path.of("/opt/karavel/data/suppression"));
        assertThat(SuppressionSettings.storeDirectory(null, null)).isEqualTo(Path.of("data", "suppression"));
        assertThat(SuppressionSettings.storeDirectory("${karaf.data}/s", "/d")).isEqualTo(Path.of("/d/s"));
    }
}
