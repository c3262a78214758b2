package org.karavel.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The failed-login window per client address, on a clock the test moves. */
class LoginFailuresTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final LoginFailures failures = new LoginFailures(nanos::get);

    @Test
    void anAddressIsThrottledAfterMaxFailuresUntilTheWindowEnds() throws Exception {
        InetAddress a = InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1});
        InetAddress b = InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 2});
        failures.failed(a, 300);
        failures.failed(a, 300);
        assertThat(failures.retryAfterSeconds(a, 3, 300)).isZero();
        failures.failed(a, 300);
        nanos.addAndGet(100_000_000_000L);

        assertThat(failures.retryAfterSeconds(a, 3, 300)).isEqualTo(200);
        assertThat(failures.retryAfterSeconds(b, 3, 300)).isZero();
        nanos.addAndGet(201_000_000_000L);
        assertThat(failures.retryAfterSeconds(a, 3, 300)).isZero();
        assertThat(failures.size()).isZero();
    }
}
