package org.karavel.smtp.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.auth.LoginFailures;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.net.CidrBlock;
import org.karavel.api.net.RelayHosts;
import org.karavel.testkit.MemorySpool;

/**
 * Per-client limits that know who is trusted (issue 12): relay hosts exempt from the per-client
 * connection limit, clients counted by network, AUTH failures counted before the verdict. Real
 * sockets from several loopback addresses; 127.0.0.1 is the relay host.
 */
class ClientLimitsTest {
    private static final String HOST = "mx.test.example";
    private static final String USER = "alice@example.org";
    private static TestCertificate certificate;

    private final MemorySpool spool = new MemorySpool();
    private final List<SmtpTestClient> clients = new CopyOnWriteArrayList<>();
    private final RelayHosts relayHosts = client -> CidrBlock.parse("127.0.0.1").contains(client);
    private SmtpListener listener;

    @BeforeAll
    static void makeCertificate() {
        certificate = TestCertificate.create(HOST);
    }

    @AfterEach
    void tearDown() {
        SmtpTestDialogue.hangUp(clients, listener, spool);
    }

    /** A backend that takes 200 ms to say no to every password but "right". */
    private static final class SlowUsers implements MailboxUsers {
        @Override
        public CompletionStage<Optional<String>> authenticate(String username, char[] password) {
            boolean right = new String(password).equals("right");
            return CompletableFuture.supplyAsync(
                    () -> right ? Optional.of(username) : Optional.<String>empty(),
                    CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS));
        }

        @Override
        public Set<MailAddress> allowedSenders(String user) {
            return Set.of();
        }
    }

    private void start(UnaryOperator<ListenerSettings.Builder> custom) throws IOException {
        ListenerSettings settings = custom.apply(ListenerSettings.builder(HOST)
                        .name("test")
                        .address("127.0.0.1")
                        .port(0)
                        .maxConnectionsPerIp(5)
                        .clientLimitExceptions("relay_hosts"))
                .build();
        listener = new SmtpListener(
                        settings,
                        () -> spool,
                        new FilterChain(),
                        new MailLog(s -> {}),
                        certificate::service,
                        SlowUsers::new,
                        new LoginFailures(),
                        new SmtpCounters())
                .relayHosts(() -> relayHosts);
        listener.start();
    }

    private SmtpTestClient connect(String from) {
        SmtpTestClient c = SmtpTestClient.from(from, listener.localAddress());
        clients.add(c);
        return c;
    }

    /** Opens n connections from one address, all at once, and returns their greetings. */
    private List<String> greetings(String from, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(n, 50));
        try {
            List<Future<String>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(pool.submit(() -> connect(from).reply()));
            }
            List<String> replies = new ArrayList<>();
            for (Future<String> f : all) {
                replies.add(f.get(30, SECONDS));
            }
            return replies;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRelayHostOpensAHundredConnectionsAtOnceAndAllAreServed() throws Exception {
        start(b -> b);
        assertThat(greetings("127.0.0.1", 100))
                .hasSize(100)
                .allSatisfy(g -> assertThat(g).startsWith("220 " + HOST));
        assertThat(listener.connectionsFrom(InetAddress.getByName("127.0.0.1"))).isEqualTo(100);
    }

    @Test
    void aStrangerIsLimitedAtItsLimitWhileTheRelayHostIsNot() throws Exception {
        start(b -> b);
        List<String> stranger = greetings("127.0.0.2", 8);
        assertThat(stranger.stream().filter(g -> g.startsWith("220 "))).hasSize(5);
        assertThat(stranger.stream().filter(g -> g.equals("421 4.7.0 " + HOST + " Too many connections")))
                .hasSize(3);
        assertThat(greetings("127.0.0.1", 8)).allSatisfy(g -> assertThat(g).startsWith("220 "));
    }

    @Test
    void withoutExceptionsTheRelayHostIsLimitedToo() throws Exception {
        start(b -> b.clientLimitExceptions());
        assertThat(greetings("127.0.0.1", 8).stream().filter(g -> g.startsWith("421 4.7.0")))
                .hasSize(3);
    }

    @Test
    void aNetworkListedAsAnExceptionIsExempt() throws Exception {
        start(b -> b.clientLimitExceptions("127.0.0.8/29"));
        assertThat(greetings("127.0.0.9", 8)).allSatisfy(g -> assertThat(g).startsWith("220 "));
        assertThat(greetings("127.0.0.1", 8).stream().filter(g -> g.startsWith("421 4.7.0")))
                .hasSize(3);
    }

    @Test
    void clientsAreCountedByTheConfiguredNetwork() throws Exception {
        start(b -> b.clientIpv4PrefixLength(24).maxConnectionsPerIp(2));
        assertThat(connect("127.0.0.2").reply()).startsWith("220 ");
        assertThat(connect("127.0.0.3").reply()).startsWith("220 ");
        assertThat(connect("127.0.0.4").reply()).isEqualTo("421 4.7.0 " + HOST + " Too many connections");
        assertThat(connect("127.0.1.4").reply()).startsWith("220 "); // another /24
        assertThat(listener.connectionsFrom(InetAddress.getByName("127.0.0.77")))
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void authFailuresFromOneNetworkAreThrottledTogether() throws Exception {
        start(b -> b.clientIpv4PrefixLength(24).authMaxFailures(3));
        for (String from : List.of("127.0.0.2", "127.0.0.3", "127.0.0.4")) {
            SmtpTestClient c = secured(from);
            assertThat(c.command("AUTH PLAIN " + plain("wrong"))).startsWith("535 5.7.8");
        }
        // the fourth address of the same /24 is refused before its password is looked at
        SmtpTestClient fourth = secured("127.0.0.5");
        assertThat(fourth.command("AUTH PLAIN " + plain("right")))
                .isEqualTo("421 4.7.0 " + HOST + " Too many failed authentications, try later");
        // another /24 may still try
        assertThat(secured("127.0.1.2").command("AUTH PLAIN " + plain("right"))).startsWith("235 ");
    }

    @Test
    void parallelSessionsCannotOvershootTheAuthLimit() throws Exception {
        start(b -> b.authMaxFailures(3).maxConnectionsPerIp(20));
        List<SmtpTestClient> ready = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ready.add(secured("127.0.0.6"));
        }
        for (SmtpTestClient c : ready) {
            c.send("AUTH PLAIN " + plain("wrong") + "\r\n"); // all pending at the slow backend at once
        }
        List<String> replies = new ArrayList<>();
        for (SmtpTestClient c : ready) {
            replies.add(c.reply());
        }
        assertThat(replies.stream().filter(r -> r.startsWith("535 "))).hasSize(3);
        assertThat(replies.stream().filter(r -> r.startsWith("421 4.7.0"))).hasSize(9);
    }

    /** Connects from this address, EHLO, STARTTLS, EHLO. */
    private SmtpTestClient secured(String from) {
        SmtpTestClient c = connect(from);
        assertThat(c.reply()).startsWith("220 ");
        c.command("EHLO client.example");
        assertThat(c.command("STARTTLS")).startsWith("220 ");
        c.startTls(certificate.client);
        assertThat(c.command("EHLO client.example")).contains("AUTH PLAIN LOGIN");
        return c;
    }

    private static String plain(String password) {
        return Base64.getEncoder().encodeToString(("\0" + USER + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }
}
