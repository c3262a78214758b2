package org.karavel.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.karavel.api.net.CidrBlock;

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

    @Test
    void thirtyFailuresSpreadOverOneSlash64AreThrottledTogether() throws Exception {
        int allowed = 0;
        for (int i = 1; i <= 30; i++) {
            InetAddress a = InetAddress.getByName("2001:db8:1:2::" + Integer.toHexString(i * 0x111));
            if (failures.attempt(failures.network(a), 5, 300)) {
                allowed++; // the password was wrong: the counted try stays counted
            }
        }
        assertThat(allowed).isEqualTo(5);
        assertThat(failures.blocked(InetAddress.getByName("2001:db8:1:2:ffff::1"), 5, 300))
                .isTrue();
        // the next /64 and IPv4 neighbours are someone else
        assertThat(failures.blocked(InetAddress.getByName("2001:db8:1:3::1"), 5, 300))
                .isFalse();
        assertThat(failures.network(InetAddress.getByName("2001:db8:1:2::99")).toString())
                .isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(failures.network(InetAddress.getByName("192.0.2.7")).toString())
                .isEqualTo("192.0.2.7/32");
    }

    @Test
    void aTryCountsBeforeItsVerdictSoParallelTriesCannotOvershoot() throws Exception {
        CidrBlock client = CidrBlock.parse("192.0.2.9");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> tries = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            tries.add(pool.submit(() -> {
                go.await();
                return failures.attempt(client, 5, 300); // all checks "running" at once
            }));
        }
        go.countDown();
        int admitted = 0;
        for (Future<Boolean> f : tries) {
            admitted += f.get() ? 1 : 0;
        }
        pool.shutdown();
        assertThat(admitted).isEqualTo(5);
    }

    @Test
    void aSuccessfulTryIsTakenBack() {
        CidrBlock client = CidrBlock.parse("192.0.2.10");
        for (int i = 0; i < 10; i++) {
            assertThat(failures.attempt(client, 2, 300)).isTrue();
            failures.succeeded(client);
        }
        assertThat(failures.blocked(client, 2, 300)).isFalse();
    }

    @Test
    void aFullTableEvictsTheLeastRecentlySeenButNeverABlockedClient() throws Exception {
        CidrBlock blocked = CidrBlock.parse("198.51.100.1");
        for (int i = 0; i < 3; i++) {
            failures.attempt(blocked, 3, 300);
        }
        CidrBlock oldest = CidrBlock.parse("198.51.100.2");
        failures.attempt(oldest, 3, 300);
        for (int i = 0; failures.size() < LoginFailures.MAX_ADDRESSES; i++) {
            failures.attempt(
                    CidrBlock.enclosing(
                            InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}), 32),
                    3,
                    300);
        }
        // the blocked client is the least recently seen of all; the unblocked one after it goes
        assertThat(failures.attempt(CidrBlock.parse("203.0.113.1"), 3, 300)).isTrue();
        assertThat(failures.size()).isEqualTo(LoginFailures.MAX_ADDRESSES);
        assertThat(failures.blocked(blocked, 3, 300)).isTrue();
        assertThat(failures.blocked(oldest, 1, 300)).isFalse();
        // flooded with new networks, the blocked client stays blocked
        for (int i = 0; i < 2 * LoginFailures.MAX_ADDRESSES; i++) {
            failures.attempt(
                    CidrBlock.enclosing(
                            InetAddress.getByAddress(new byte[] {11, (byte) (i >> 16), (byte) (i >> 8), (byte) i}), 32),
                    3,
                    300);
        }
        assertThat(failures.blocked(blocked, 3, 300)).isTrue();
    }

    @Test
    void whenEveryRememberedClientIsBlockedANewOneIsRefused() throws Exception {
        for (int i = 0; i < LoginFailures.MAX_ADDRESSES; i++) {
            failures.attempt(
                    CidrBlock.enclosing(
                            InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}), 32),
                    1,
                    300);
        }
        CidrBlock newcomer = CidrBlock.parse("203.0.113.2");
        assertThat(failures.attempt(newcomer, 1, 300)).isFalse();
        nanos.addAndGet(301_000_000_000L); // the windows end: room again
        assertThat(failures.attempt(newcomer, 1, 300)).isTrue();
    }
}
