package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.auth.LoginFailures;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.fleet.SharedCounters;
import org.karavel.testkit.InMemorySharedCounters;
import org.karavel.testkit.LogCapture;
import org.karavel.testkit.MemorySpool;

/**
 * The AUTH failure throttle and the connection rate across two listeners that stand for two nodes
 * of a fleet: each has its own local counts, both share one store's counts (a real in-memory
 * SharedCounters), over real sockets and TLS on 127.0.0.1.
 */
class FleetThrottlesTest {
    private static final String HOST = "mx.fleet.example";
    private static final String ALICE = "alice@fleet.example";
    private static final String PASSWORD = "right-horse";
    private static final String NETWORK = "127.0.0.1/32";
    private static TestCertificate certificate;

    private final MemorySpool spool = new MemorySpool();
    private final InMemorySharedCounters store = new InMemorySharedCounters();
    private final List<SmtpListener> nodes = new ArrayList<>();
    private final List<SmtpTestClient> clients = new ArrayList<>();
    private final List<String> mailLog = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void makeCertificate() {
        certificate = TestCertificate.create(HOST);
    }

    @AfterEach
    void tearDown() {
        clients.forEach(SmtpTestClient::close);
        nodes.forEach(SmtpListener::stop);
        spool.close();
    }

    /** Checks passwords later on another thread, as a hashing backend does. */
    private static final class OneUser implements MailboxUsers {
        @Override
        public CompletionStage<Optional<String>> authenticate(String username, char[] password) {
            boolean right = username.equals(ALICE) && new String(password).equals(PASSWORD);
            return CompletableFuture.supplyAsync(
                    () -> right ? Optional.of(username) : Optional.<String>empty(),
                    CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS));
        }

        @Override
        public Set<MailAddress> allowedSenders(String user) {
            return Set.of();
        }
    }

    /** A node: its own listener, its own local counts, the fleet's store (or none). */
    private SmtpListener node(SharedCounters shared, UnaryOperator<ListenerSettings.Builder> custom) {
        ListenerSettings settings = custom.apply(ListenerSettings.builder(HOST)
                        .name("submission")
                        .address("127.0.0.1")
                        .port(0))
                .build();
        SmtpListener l = new SmtpListener(
                        settings,
                        () -> spool,
                        new FilterChain(),
                        new MailLog(mailLog::add),
                        certificate::service,
                        OneUser::new,
                        new LoginFailures(),
                        new SmtpCounters())
                .sharedCounters(() -> shared);
        try {
            l.start();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        nodes.add(l);
        return l;
    }

    private SmtpTestClient connect(SmtpListener node) {
        SmtpTestClient c = new SmtpTestClient(node.localAddress());
        clients.add(c);
        return c;
    }

    private SmtpTestClient secured(SmtpListener node) {
        SmtpTestClient c = connect(node);
        assertThat(c.reply()).startsWith("220 " + HOST);
        assertThat(c.command("EHLO client.fleet.example")).contains("250-STARTTLS");
        assertThat(c.command("STARTTLS")).startsWith("220 ");
        c.startTls(certificate.client);
        assertThat(c.command("EHLO client.fleet.example")).contains("AUTH PLAIN LOGIN");
        return c;
    }

    private static String auth(String password) {
        return "AUTH PLAIN "
                + Base64.getEncoder().encodeToString(("\0" + ALICE + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static double metric(SmtpListener node, String family) {
        return node.counters().metrics().stream()
                .filter(m -> m.name().equals(family))
                .flatMap(m -> m.samples().stream())
                .mapToDouble(x -> x.value())
                .sum();
    }

    // ------------------------------------------------------------------ AUTH failures

    @Test
    void authFailuresThroughTwoNodesAddUpToOneThrottle() {
        SmtpListener a = node(store, b -> b.authMaxFailures(3));
        SmtpListener b = node(store, x -> x.authMaxFailures(3));
        SmtpTestClient onA = secured(a);
        assertThat(onA.command(auth("wrong-1"))).startsWith("535 5.7.8");
        assertThat(onA.command(auth("wrong-2"))).startsWith("535 5.7.8");
        SmtpTestClient onB = secured(b);
        assertThat(onB.command(auth("wrong-3"))).startsWith("535 5.7.8");
        assertThat(store.count(ClientThrottles.AUTH_KEY + NETWORK)).isEqualTo(3);

        // the fourth try in the fleet: B has seen one failure only, the fleet three; even the right password
        assertThat(onB.command(auth(PASSWORD)))
                .isEqualTo("421 4.7.0 " + HOST + " Too many failed authentications, try later");
        assertThat(onB.closedByServer()).isTrue();
        // B learnt the block: its next AUTH is refused at once, without a password check
        int asked = store.calls.get();
        SmtpTestClient again = secured(b);
        assertThat(again.command("AUTH LOGIN")).startsWith("421 4.7.0");
        assertThat(store.calls.get()).isEqualTo(asked);
        // A, with two local failures, asks the fleet and refuses too
        SmtpTestClient onA2 = secured(a);
        assertThat(onA2.command(auth(PASSWORD))).startsWith("421 4.7.0");
    }

    @Test
    void aSuccessTakesItsTryBackInTheFleet() {
        SmtpListener a = node(store, b -> b.authMaxFailures(3));
        SmtpTestClient c = secured(a);
        assertThat(c.command(auth("wrong"))).startsWith("535 ");
        SmtpTestClient d = secured(a);
        assertThat(d.command(auth(PASSWORD))).startsWith("235 2.7.0");
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .until(() -> store.count(ClientThrottles.AUTH_KEY + NETWORK) == 1);
        assertThat(metric(a, "karavel_smtp_shared_counts_degraded")).isZero();
    }

    @Test
    void withTheStoreUnreachableEachNodeCountsAsTodayWithOneWarningAndAMetric() {
        store.unreachable.set(true);
        SmtpListener a = node(store, b -> b.authMaxFailures(2));
        SmtpListener b = node(store, x -> x.authMaxFailures(2));
        String log;
        try (LogCapture capture = new LogCapture()) {
            SmtpTestClient onA = secured(a);
            assertThat(onA.command(auth("w1"))).startsWith("535 ");
            assertThat(onA.command(auth("w2"))).startsWith("535 ");
            assertThat(onA.command(auth(PASSWORD))).startsWith("421 4.7.0");
            SmtpTestClient onB = secured(b);
            assertThat(onB.command(auth("w3"))).startsWith("535 ");
            assertThat(onB.command(auth(PASSWORD))).startsWith("235 2.7.0"); // B's own count: one failure
            log = capture.text();
        }
        // one warning per node (each its own JVM) for all its failed calls, and a metric
        assertThat(log.split("shared counts unavailable", -1)).hasSize(3);
        assertThat(metric(a, "karavel_smtp_shared_counts_failures_total")).isEqualTo(2);
        assertThat(metric(b, "karavel_smtp_shared_counts_failures_total")).isEqualTo(2);
        assertThat(metric(a, "karavel_smtp_shared_counts_degraded")).isEqualTo(1);

        store.unreachable.set(false); // the store is back: shared counting resumes, degraded mode ends
        SmtpTestClient onB = secured(b);
        assertThat(onB.command(auth("w4"))).startsWith("535 ");
        assertThat(store.count(ClientThrottles.AUTH_KEY + NETWORK)).isEqualTo(1);
        assertThat(metric(b, "karavel_smtp_shared_counts_degraded")).isZero();
    }

    // ------------------------------------------------------------------ connection rate

    @Test
    void theConnectionRateIsOneBudgetForTheFleet() {
        SmtpListener a = node(store, b -> b.maxConnectionRatePerIp(3));
        SmtpListener b = node(store, x -> x.maxConnectionRatePerIp(3));
        assertThat(connect(a).reply()).startsWith("220 ");
        assertThat(connect(b).reply()).startsWith("220 ");
        assertThat(connect(a).reply()).startsWith("220 ");
        SmtpTestClient fourth = connect(b);
        // greeted while the fleet's count was asked; the count answers the first command
        assertThat(fourth.reply()).startsWith("220 ");
        assertThat(fourth.command("EHLO client.fleet.example"))
                .isEqualTo("421 4.7.0 " + HOST + " Too many connections per minute from your address, try later");
        assertThat(fourth.closedByServer()).isTrue();
        assertThat(store.count(ClientThrottles.CONNECTION_KEY + "submission:" + NETWORK))
                .isEqualTo(4);
        assertThat(metric(b, "karavel_smtp_rejected_total")).isEqualTo(1);
    }

    @Test
    void theGreetingGoesOutWhileTheFleetCountsAndTheCountAnswersTheFirstCommand() {
        CompletableFuture<Long> held = new CompletableFuture<>();
        SharedCounters slow = new SharedCounters() {
            @Override
            public CompletionStage<Long> add(String key, long delta, Duration window) {
                return held;
            }

            @Override
            public CompletionStage<Long> get(String key) {
                return held;
            }
        };
        SmtpListener a = node(slow, b -> b.maxConnectionRatePerIp(3));
        SmtpTestClient c = connect(a);
        // the store has not answered yet: the greeting did not wait for it
        assertThat(c.reply()).startsWith("220 ");
        assertThat(held).isNotDone();
        // and the client's first command is read meanwhile: a suspended read would resume only at the
        // listener's next idle tick (up to a second per connection), as nothing is written at the end
        assertThat(a.allReading()).isTrue();
        held.complete(4L); // the fleet has seen this client's fourth connection within the minute
        assertThat(c.command("EHLO client.fleet.example"))
                .isEqualTo("421 4.7.0 " + HOST + " Too many connections per minute from your address, try later");
        assertThat(c.closedByServer()).isTrue();
        assertThat(metric(a, "karavel_smtp_rejected_total")).isEqualTo(1);
    }

    @Test
    void withoutAStoreTheRateIsCountedOnThisNodeAtOnce() {
        SmtpListener a = node(null, b -> b.maxConnectionRatePerIp(2));
        assertThat(connect(a).reply()).startsWith("220 ");
        assertThat(connect(a).reply()).startsWith("220 ");
        assertThat(connect(a).reply()).startsWith("421 4.7.0");
        assertThat(metric(a, "karavel_smtp_shared_counts_failures_total")).isZero();
    }

    @Test
    void aStoreThatNeverAnswersDelaysTheFirstCommandByTheBoundOnly() {
        SharedCounters silent = new SharedCounters() {
            @Override
            public CompletionStage<Long> add(String key, long delta, Duration window) {
                return new CompletableFuture<>();
            }

            @Override
            public CompletionStage<Long> get(String key) {
                return new CompletableFuture<>();
            }
        };
        SmtpListener a = node(silent, b -> b.maxConnectionRatePerIp(1));
        long start = System.nanoTime(); // the count is asked after this, at the connection
        SmtpTestClient first = connect(a);
        assertThat(first.reply()).startsWith("220 ");
        assertThat(first.command("EHLO client.fleet.example")).startsWith("250");
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(waited)
                .isBetween(ClientThrottles.SHARED_WAIT_MILLIS - 50, ClientThrottles.SHARED_WAIT_MILLIS + 3000);
        assertThat(connect(a).reply()).startsWith("421 4.7.0"); // this node's count still holds
        assertThat(metric(a, "karavel_smtp_shared_counts_degraded")).isEqualTo(1);
    }
}
