package org.karavel.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.karavel.testkit.SmtpSink;

/** The LMTP probe against a real LMTP server on loopback (the testkit's sink), and its cache. */
class LmtpVerifierTest {
    private final ExecutorService probes = Executors.newFixedThreadPool(2);
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private SmtpSink lmtp;

    @AfterEach
    void stop() throws Exception {
        probes.shutdownNow();
        if (lmtp != null) {
            lmtp.close();
        }
    }

    private LmtpVerifier verifier(int port) {
        return new LmtpVerifier(
                "127.0.0.1",
                port,
                "mx.karavel.test",
                Duration.ofSeconds(3600),
                Duration.ofSeconds(60),
                Duration.ofSeconds(5),
                probes,
                nanos::get);
    }

    private static String verdict(LmtpVerifier v, String address) throws Exception {
        Verdict d = v.verify(MailAddress.parse(address)).toCompletableFuture().join();
        return d.kind() == Verdict.Kind.NO_OPINION ? "ok" : d.code() + " " + d.enhancedCode() + " " + d.text();
    }

    @Test
    void knownUnknownAndCachedWithTheirOwnLifetimes() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        lmtp = SmtpSink.startLmtp().onRcpt(r -> {
            asked.incrementAndGet();
            return r.startsWith("alice") ? "250 2.1.5 OK" : "550 5.1.1 <" + r + "> User doesn't exist: " + r;
        });
        LmtpVerifier v = verifier(lmtp.port());
        assertThat(verdict(v, "alice@example.com")).isEqualTo("ok");
        assertThat(verdict(v, "ghost@example.com"))
                .isEqualTo(
                        "550 5.1.1 <ghost@example.com>: Recipient address rejected: User unknown in local recipient table");
        assertThat(asked.get()).isEqualTo(2);
        assertThat(verdict(v, "Alice@EXAMPLE.com")).isEqualTo("ok");
        assertThat(verdict(v, "ghost@example.com")).startsWith("550");
        assertThat(asked.get()).as("both answers came from the cache").isEqualTo(2);

        nanos.addAndGet(Duration.ofSeconds(61).toNanos());
        assertThat(verdict(v, "alice@example.com")).isEqualTo("ok");
        assertThat(asked.get()).as("the positive answer lives longer").isEqualTo(2);
        assertThat(verdict(v, "ghost@example.com")).startsWith("550");
        assertThat(asked.get()).as("the negative answer expired").isEqualTo(3);
        nanos.addAndGet(Duration.ofSeconds(3600).toNanos());
        assertThat(verdict(v, "alice@example.com")).isEqualTo("ok");
        assertThat(asked.get()).isEqualTo(4);
    }

    @Test
    void unreachableOrTemporaryIsNeverAcceptedNorCached() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            closed = s.getLocalPort();
        }
        LmtpVerifier down = verifier(closed);
        assertThat(verdict(down, "alice@example.com"))
                .isEqualTo(
                        "450 4.1.1 <alice@example.com>: Recipient address rejected: unverified address: LMTP server [127.0.0.1]:"
                                + closed + " unreachable");

        AtomicInteger asked = new AtomicInteger();
        lmtp = SmtpSink.startLmtp()
                .onRcpt(r -> asked.incrementAndGet() == 1 ? "451 4.3.0 Temporary failure" : "250 2.1.5 OK");
        LmtpVerifier v = verifier(lmtp.port());
        assertThat(verdict(v, "alice@example.com")).startsWith("450 4.1.1").contains("answered 451");
        assertThat(verdict(v, "alice@example.com")).isEqualTo("ok");
    }

    @Test
    void aServerThatNeverAnswersIsCutAtTheDeadline() throws Exception {
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(new InetSocketAddress("127.0.0.1", 0));
            LmtpVerifier v = new LmtpVerifier(
                    "127.0.0.1",
                    silent.getLocalPort(),
                    "mx.karavel.test",
                    Duration.ofSeconds(3600),
                    Duration.ofSeconds(60),
                    Duration.ofMillis(500),
                    probes,
                    nanos::get);
            long start = System.nanoTime();
            assertThat(verdict(v, "alice@example.com")).startsWith("450 4.1.1").contains("did not answer in time");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void serverSettings() {
        assertThat(LmtpVerifier.hostPort("lmtp:127.0.0.1:24")).containsExactly("127.0.0.1", "24");
        assertThat(LmtpVerifier.hostPort("[::1]:2424")).containsExactly("::1", "2424");
        assertThat(LmtpVerifier.hostPort("dovecot.internal:24")).containsExactly("dovecot.internal", "24");
        assertThat(LmtpVerifier.hostPort("")).isNull();
        assertThat(LmtpVerifier.hostPort("127.0.0.1")).isNull();
        assertThat(LmtpVerifier.hostPort("127.0.0.1:99999")).isNull();
    }
}
