package org.karavel.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CounterFamilyTest {
    @Test
    void eachSetOfLabelValuesIsOneSampleSortedByValues() {
        CounterFamily f = new CounterFamily("karavel_test_total", "Things counted, by kind", "listener", "reason");
        f.increment("mx", "size");
        f.increment("mx", "policy");
        f.increment("mx", "size");
        f.increment("submission", "policy");

        Metric m = f.metric();
        assertThat(m.name()).isEqualTo("karavel_test_total");
        assertThat(m.help()).isEqualTo("Things counted, by kind");
        assertThat(m.type()).isEqualTo(Metric.Type.COUNTER);
        assertThat(m.samples())
                .containsExactly(
                        new Metric.Sample(Map.of("listener", "mx", "reason", "policy"), 1),
                        new Metric.Sample(Map.of("listener", "mx", "reason", "size"), 2),
                        new Metric.Sample(Map.of("listener", "submission", "reason", "policy"), 1));
        assertThat(f.count("mx", "size")).isEqualTo(2);
        assertThat(f.count("mx", "other")).isZero();
    }

    @Test
    void aFamilyWithoutLabelsHasItsSampleFromTheStart() {
        CounterFamily f = new CounterFamily("karavel_test_total", "Things");
        assertThat(f.metric().samples()).containsExactly(new Metric.Sample(Map.of(), 0));
        f.increment();
        assertThat(f.metric()).isEqualTo(Metric.of("karavel_test_total", "Things", Metric.Type.COUNTER, 1));
    }

    @Test
    void aLabelledFamilyNeverCountedHasNoSample() {
        assertThat(new CounterFamily("karavel_test_total", "Things", "kind")
                        .metric()
                        .samples())
                .isEqualTo(List.of());
    }

    @Test
    void addingZeroShowsTheSampleBeforeTheFirstCount() {
        CounterFamily f = new CounterFamily("karavel_test_total", "Things", "reason");
        f.add(0, "retry");
        assertThat(f.metric().samples()).containsExactly(new Metric.Sample(Map.of("reason", "retry"), 0));
        f.add(3, "retry");
        assertThat(f.count("retry")).isEqualTo(3);
        assertThatThrownBy(() -> f.add(-1, "retry")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNullValueIsCountedAsEmpty() {
        CounterFamily f = new CounterFamily("karavel_test_total", "Things", "list");
        f.increment((String) null);
        assertThat(f.count("")).isEqualTo(1);
        assertThat(f.metric().samples()).containsExactly(new Metric.Sample(Map.of("list", ""), 1));
    }

    @Test
    void theWrongNumberOfValuesOrABadNameIsRefused() {
        CounterFamily f = new CounterFamily("karavel_test_total", "Things", "kind");
        assertThatThrownBy(() -> f.increment("a", "b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> f.increment()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CounterFamily("bad-name", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CounterFamily("ok_total", "x", "bad-label"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CounterFamily("ok_total", "x", "kind", "kind"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
