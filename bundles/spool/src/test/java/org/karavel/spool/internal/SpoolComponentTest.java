package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.karavel.spool.internal.TestMessages.content;
import static org.karavel.spool.internal.TestMessages.enqueue;
import static org.karavel.spool.internal.TestMessages.envelope;
import static org.karavel.spool.internal.TestMessages.read;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.SpoolFullException;

class SpoolComponentTest {
    @TempDir
    Path dir;

    /** A configuration as DS would hand it over: the given keys, the annotation's defaults for the rest. */
    private static SpoolConfig config(Map<String, Object> values) {
        return (SpoolConfig) Proxy.newProxyInstance(
                SpoolConfig.class.getClassLoader(),
                new Class<?>[] {SpoolConfig.class},
                (proxy, method, args) ->
                        values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue());
    }

    @Test
    void activationOpensTheConfiguredSpoolAndReactivationFindsItsMessages() throws IOException {
        SpoolComponent component = new SpoolComponent();
        SpoolConfig cfg = config(Map.of(
                "directory", dir.toString(), "min__free__disk__bytes", 0L, "emergency__reserve__bytes", 1L << 20));
        component.activate(cfg);
        QueuedMessage m = enqueue(component, envelope(1), content(1, 100_000));
        component.deactivate();
        assertThatThrownBy(component::create).isInstanceOf(IOException.class).hasMessage("spool is stopping");

        component.activate(cfg); // what a configuration change or bundle:restart does
        assertThat(component.get(m.id())).contains(m);
        assertThat(read(component, m.id())).isEqualTo(content(1, 100_000));
        assertThat(dir.resolve("bodies").resolve(m.id().value())).exists();
        component.deactivate();
    }

    @Test
    void healthAndMetricsFollowTheSpool() throws IOException {
        SpoolComponent component = new SpoolComponent();
        component.activate(config(Map.of(
                "directory", dir.toString(), "min__free__disk__bytes", 0L, "emergency__reserve__bytes", 65536L)));
        enqueue(component, envelope(1), content(1, 1000));
        assertThat(Files.size(dir.resolve(EmergencyReserve.FILE))).isEqualTo(65536);
        assertThat(component.metrics())
                .filteredOn(m -> m.name().equals("karavel_spool_emergency_reserve_released"))
                .singleElement()
                .satisfies(m -> assertThat(m.samples().get(0).value()).isZero());
        assertThat(component.ready()).isTrue();
        assertThat(component.name()).isEqualTo("spool");
        assertThat(component.detail())
                .startsWith("open in " + dir)
                .contains("1 message(s)")
                .doesNotContain("reserve");
        assertThat(component.metrics())
                .extracting(m -> m.name())
                .contains("karavel_spool_messages", "karavel_spool_bytes", "karavel_spool_oldest_message_age_seconds");
        assertThat(component.metrics())
                .filteredOn(m -> m.name().equals("karavel_spool_messages"))
                .singleElement()
                .satisfies(m -> assertThat(m.samples().get(0).value()).isEqualTo(1.0));
        assertThat(component.metrics())
                .filteredOn(m -> m.name().equals("karavel_spool_bytes"))
                .singleElement()
                .satisfies(m -> assertThat(m.samples().get(0).value()).isEqualTo(1000.0));
        component.deactivate();
        assertThat(component.ready()).isFalse();
        assertThat(component.detail()).isEqualTo("closed");
    }

    @Test
    void configuredLimitsApply() throws IOException {
        SpoolComponent component = new SpoolComponent();
        component.activate(config(Map.of("directory", dir.toString(), "min__free__disk__bytes", Long.MAX_VALUE)));
        try {
            assertThatThrownBy(component::create).isInstanceOf(SpoolFullException.class);
            // no room for the emergency reserve either: the spool starts as if it were released, and says so
            assertThat(dir.resolve(EmergencyReserve.FILE)).doesNotExist();
            assertThat(component.detail()).contains("emergency reserve released");
            assertThat(component.metrics())
                    .filteredOn(m -> m.name().equals("karavel_spool_emergency_reserve_released"))
                    .singleElement()
                    .satisfies(m -> assertThat(m.samples().get(0).value()).isEqualTo(1.0));
        } finally {
            component.deactivate();
        }
    }
}
