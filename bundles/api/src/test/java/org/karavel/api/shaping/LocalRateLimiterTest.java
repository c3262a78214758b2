package org.karavel.api.shaping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LocalRateLimiterTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    @Test
    void aBurstIsAdmittedThenOneEventPerInterval() {
        LocalRateLimiter l = new LocalRateLimiter();
        Rate r = Rate.parse("120/min");
        for (int i = 0; i < 5; i++) {
            assertThat(l.tryAcquire("site:a", r, 5, T0).admitted()).isTrue();
        }
        RateLimiter.Admission refused = l.tryAcquire("site:a", r, 5, T0);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.retryAt()).isEqualTo(T0.plusMillis(500));
        assertThat(l.tryAcquire("site:a", r, 5, T0.plusMillis(499)).admitted()).isFalse();
        assertThat(l.tryAcquire("site:a", r, 5, T0.plusMillis(500)).admitted()).isTrue();
        // another key has its own budget
        assertThat(l.tryAcquire("site:b", r, 1, T0).admitted()).isTrue();
    }

    @Test
    void anAdmissionTellsWhenTheNextEventWouldBeAdmitted() {
        LocalRateLimiter l = new LocalRateLimiter();
        Rate r = Rate.parse("120/min");
        // a burst of 2: the first leaves room (the next may go now), the second uses the last of it
        assertThat(l.tryAcquire("site:a", r, 2, T0).retryAt()).isEqualTo(T0);
        RateLimiter.Admission second = l.tryAcquire("site:a", r, 2, T0);
        assertThat(second.admitted()).isTrue();
        assertThat(second.retryAt()).isEqualTo(T0.plusMillis(500));
        // what a refusal would have said
        assertThat(l.tryAcquire("site:a", r, 2, T0).retryAt()).isEqualTo(second.retryAt());
        assertThat(l.tryAcquire("site:a", r, 2, second.retryAt()).admitted()).isTrue();
        // peek takes nothing and tells nothing more
        assertThat(l.peek("site:b", r, 1, T0).retryAt()).isEqualTo(T0);
    }

    @Test
    void overAnyWindowTheCountStaysWithinRatePlusBurst() {
        LocalRateLimiter l = new LocalRateLimiter();
        Rate r = Rate.parse("60/min");
        int admitted = 0;
        for (int ms = 0; ms < 120_000; ms += 10) {
            if (l.tryAcquire("k", r, 3, T0.plusMillis(ms)).admitted()) {
                admitted++;
            }
        }
        assertThat(admitted).isBetween(120, 123);
    }

    @Test
    void peekTakesNothingAndIdleBudgetsAreForgotten() {
        LocalRateLimiter l = new LocalRateLimiter();
        Rate r = Rate.parse("1/s");
        assertThat(l.peek("k", r, 1, T0).admitted()).isTrue();
        assertThat(l.tryAcquire("k", r, 1, T0).admitted()).isTrue();
        assertThat(l.peek("k", r, 1, T0).admitted()).isFalse();
        assertThat(l.size()).isEqualTo(1);
        l.forgetIdle(T0.plusSeconds(2));
        assertThat(l.size()).isZero();
    }

    @Test
    void ratesParseAndBadOnesSayWhy() {
        assertThat(Rate.parse("100/min")).isEqualTo(new Rate(100, Duration.ofMinutes(1)));
        assertThat(Rate.parse(" 30 / 10min ")).isEqualTo(new Rate(30, Duration.ofMinutes(10)));
        assertThat(Rate.parse("10000/day").toString()).isEqualTo("10000/day");
        assertThat(Rate.parse("5/s").interval()).isEqualTo(Duration.ofMillis(200));
        assertThatThrownBy(() -> Rate.parse("100/fortnight")).hasMessageContaining("fortnight");
        assertThatThrownBy(() -> Rate.parse("lots/min")).hasMessageContaining("lots");
        assertThatThrownBy(() -> Rate.parse("0/min")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rate.parse("100")).hasMessageContaining("count/unit");
    }
}
