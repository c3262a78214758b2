package org.karavel.smtp.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.auth.LoginFailures;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.tls.ServerTls;
import org.karavel.testkit.LegacyTlsClient;
import org.karavel.testkit.MemorySpool;

/** STARTTLS, implicit TLS and AUTH over real TLS handshakes on 127.0.0.1. */
class SmtpTlsAuthTest {
    private static final String HOST = "mx.test.example";
    private static final String GREETING = "220 " + HOST + " ESMTP Karavel";
    private static final String ALICE = "alice@example.org";
    private static final String ALICE_PASSWORD = "s3cret-Pässword";
    private static TestCertificate certificate;

    private MemorySpool spool;
    private FilterChain filters;
    private final List<String> mailLog = new CopyOnWriteArrayList<>();
    private volatile ServerTls tls;
    private volatile MailboxUsers users;
    private final List<char[]> passwordsSeen = new CopyOnWriteArrayList<>();
    private SmtpListener listener;
    private final List<SmtpTestClient> clients = new ArrayList<>();

    @BeforeAll
    static void makeCertificate() {
        certificate = TestCertificate.create(HOST);
    }

    @BeforeEach
    void setUp() {
        spool = new MemorySpool().commitOnSpoolThread();
        filters = new FilterChain();
        tls = certificate.service();
        users = new TestUsers();
    }

    @AfterEach
    void tearDown() {
        SmtpTestDialogue.hangUp(clients, listener, spool);
    }

    /** Users in a map; answers later on another thread, as a real (hashing) backend does. */
    private final class TestUsers implements MailboxUsers {
        private final Map<String, String> passwords = Map.of(ALICE, ALICE_PASSWORD, "bob@example.org", "bobpw");

        @Override
        public CompletionStage<Optional<String>> authenticate(String username, char[] password) {
            passwordsSeen.add(password);
            String given = new String(password);
            return CompletableFuture.supplyAsync(
                    () -> given.equals(passwords.get(username)) ? Optional.of(username) : Optional.<String>empty(),
                    CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
        }

        @Override
        public Set<MailAddress> allowedSenders(String user) {
            try {
                return user.equals(ALICE)
                        ? Set.of(MailAddress.parse(ALICE), MailAddress.parse("info@example.org"))
                        : Set.of();
            } catch (AddressSyntaxException e) {
                throw new AssertionError(e);
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private void start(UnaryOperator<ListenerSettings.Builder> custom) {
        ListenerSettings settings = custom.apply(ListenerSettings.builder(HOST)
                        .name("test")
                        .address("127.0.0.1")
                        .port(0))
                .build();
        listener = new SmtpListener(settings, () -> spool, filters, new MailLog(mailLog::add), () -> tls, () -> users);
        try {
            listener.start();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private SmtpTestClient connect() {
        SmtpTestClient c = new SmtpTestClient(listener.localAddress());
        clients.add(c);
        assertThat(c.reply()).isEqualTo(GREETING);
        return c;
    }

    /** Connects, EHLO, STARTTLS, handshake; EHLO again. */
    private SmtpTestClient secured() {
        SmtpTestClient c = connect();
        assertThat(c.command("EHLO client.example")).contains("250-STARTTLS");
        assertThat(c.command("STARTTLS")).isEqualTo("220 2.0.0 Ready to start TLS");
        c.startTls(certificate.client);
        assertThat(c.command("EHLO client.example")).contains("AUTH PLAIN LOGIN");
        return c;
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Connects and says EHLO in clear text, without looking at the reply. */
    private SmtpTestClient ehloInClear(String clientName) {
        SmtpTestClient c = connect();
        c.command("EHLO " + clientName);
        return c;
    }

    /** EHLO in clear text, then STARTTLS answered with a 220: the client's handshake comes next. */
    private SmtpTestClient readyToStartTls() {
        SmtpTestClient c = ehloInClear("client.example");
        assertThat(c.command("STARTTLS")).startsWith("220 ");
        return c;
    }

    /** EHLO, then STARTTLS with a command pipelined behind it in clear text; the 220 and the handshake. */
    private SmtpTestClient startTlsWithInjected(String injected) {
        SmtpTestClient c = ehloInClear("client.example");
        c.send("STARTTLS\r\n" + injected + "\r\n");
        assertThat(c.reply()).isEqualTo("220 2.0.0 Ready to start TLS");
        c.startTls(certificate.client);
        return c;
    }

    private static String transaction(SmtpTestClient c, String from, String to) {
        return SmtpTestDialogue.transaction(c, from, to, "Subject: hi\r\n\r\nhello\r\n");
    }

    // ------------------------------------------------------------------ STARTTLS

    @Test
    void startTlsThenEhloOffersAuthAndNoLongerStartTls() {
        AtomicReference<SessionView> seen = new AtomicReference<>();
        filters.add(FilterEntry.of(
                new SmtpFilter() {
                    @Override
                    public CompletionStage<Verdict> helo(SessionView session, String heloName) {
                        seen.set(session);
                        return Verdict.noOpinion().stage();
                    }
                },
                "probe",
                0));
        start(b -> b);
        SmtpTestClient c = connect();
        String before = c.command("EHLO client.example");
        assertThat(before).contains("250-STARTTLS").doesNotContain("AUTH");
        assertThat(seen.get().tls()).isEmpty();
        assertThat(c.command("STARTTLS")).isEqualTo("220 2.0.0 Ready to start TLS");
        SSLSocket socket = c.startTls(certificate.client);
        String after = c.command("EHLO client.example");
        assertThat(after).contains("250-AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
        assertThat(seen.get().tls()).hasValueSatisfying(t -> {
            assertThat(t.protocol())
                    .isEqualTo(socket.getSession().getProtocol())
                    .isEqualTo("TLSv1.3");
            assertThat(t.cipherSuite()).isEqualTo(socket.getSession().getCipherSuite());
        });
        assertThat(c.command("STARTTLS")).startsWith("503 5.5.1");
    }

    @Test
    void everythingLearntBeforeTheHandshakeIsForgotten() {
        start(b -> b);
        SmtpTestClient c = ehloInClear("client.example");
        assertThat(c.command("MAIL FROM:<a@example.org>")).startsWith("250 2.1.0");
        assertThat(c.command("STARTTLS")).startsWith("220 ");
        c.startTls(certificate.client);
        assertThat(c.command("MAIL FROM:<a@example.org>")).isEqualTo("503 5.5.1 Error: send HELO/EHLO first");
        c.command("EHLO client.example");
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo("503 5.5.1 Error: need MAIL command");
    }

    @Test
    void aCommandInjectedAfterStartTlsIsNeverExecuted() {
        start(b -> b);
        SmtpTestClient c = startTlsWithInjected("MAIL FROM:<evil@example.org>");
        // the first reply inside TLS is the EHLO's: nothing was answered to the injected MAIL
        assertThat(c.command("EHLO client.example")).startsWith("250-" + HOST);
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo("503 5.5.1 Error: need MAIL command");
    }

    @Test
    void anInjectedRsetGetsNoReply() {
        start(b -> b);
        SmtpTestClient c = startTlsWithInjected("RSET");
        assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok"); // not a leftover reply to RSET
        assertThat(c.silentFor(200)).isTrue();
    }

    @Test
    void requiredTlsRefusesMailRcptAndAuthInClearText() {
        start(b -> b.tls(ListenerSettings.Tls.REQUIRED));
        SmtpTestClient c = connect();
        assertThat(c.command("EHLO client.example")).contains("250-STARTTLS");
        assertThat(c.command("MAIL FROM:<a@example.org>")).isEqualTo("530 5.7.0 Must issue a STARTTLS command first");
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo("530 5.7.0 Must issue a STARTTLS command first");
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, ALICE_PASSWORD)))
                .isEqualTo("530 5.7.0 Must issue a STARTTLS command first");
        assertThat(c.command("STARTTLS")).startsWith("220 ");
        c.startTls(certificate.client);
        c.command("EHLO client.example");
        assertThat(transaction(c, "a@example.org", "b@example.org")).startsWith("250 2.0.0 Ok: queued as ");
    }

    @Test
    void withoutACertificateServiceStartTlsIsNotOffered() {
        tls = null;
        start(b -> b);
        SmtpTestClient c = connect();
        assertThat(c.command("EHLO client.example")).doesNotContain("STARTTLS");
        assertThat(c.command("STARTTLS")).isEqualTo("454 4.7.0 TLS not available due to local problem");
        assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
    }

    @Test
    void implicitTlsFromTheFirstByte() throws IOException {
        start(b -> b.tls(ListenerSettings.Tls.IMPLICIT));
        SSLSocket socket = (SSLSocket) certificate.client.createSocket(
                "127.0.0.1", listener.localAddress().getPort());
        SmtpTestClient c = new SmtpTestClient(socket);
        clients.add(c);
        assertThat(c.reply()).isEqualTo(GREETING);
        assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
        String ehlo = c.command("EHLO client.example");
        assertThat(ehlo).contains("250-AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
        assertThat(transaction(c, "a@example.org", "b@example.org")).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(spool.only().text()).contains("with ESMTPS id").contains("(using TLSv1.3 with cipher ");
    }

    @Test
    void theImplicitTlsHandshakeGoesOnWhileTheConnectFiltersDecide() throws IOException {
        // a connect filter that answers only when the test says so (a DNSBL lookup, the fleet's count)
        CompletableFuture<Verdict> verdict = new CompletableFuture<>();
        filters.add(FilterEntry.of(
                        new SmtpFilter() {
                            @Override
                            public CompletionStage<Verdict> connect(SessionView session) {
                                return verdict;
                            }
                        },
                        "undecided",
                        0)
                .withTimeout(TimeUnit.MINUTES.toMillis(10)));
        start(b -> b.tls(ListenerSettings.Tls.IMPLICIT));
        SSLSocket socket = (SSLSocket) certificate.client.createSocket(
                "127.0.0.1", listener.localAddress().getPort());
        socket.setSoTimeout(60_000);
        // the greeting goes out over TLS, so the handshake cannot wait for the verdict: reading the
        // ClientHello only after it cost every client of 465 up to a second (the idle tick)
        socket.startHandshake();
        assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
        assertThat(verdict).isNotDone();
        verdict.complete(Verdict.noOpinion());
        SmtpTestClient c = new SmtpTestClient(socket);
        clients.add(c);
        assertThat(c.reply()).isEqualTo(GREETING);
        assertThat(c.command("EHLO client.example")).contains("250-AUTH PLAIN LOGIN");
    }

    @Test
    void aClientOfferingOnlyTls11FailsAndOthersCarryOn() throws Exception {
        start(b -> b);
        SmtpTestClient other = ehloInClear("other.example");
        // offered for real (the JDK's client will not send TLS 1.1): the server refuses the version itself
        assertThat(LegacyTlsClient.offerAfterStartTls(
                        new InetSocketAddress(
                                "127.0.0.1", listener.localAddress().getPort()),
                        "TLSv1.1"))
                .isEqualTo(LegacyTlsClient.PROTOCOL_VERSION_ALERT);
        await().atMost(5, SECONDS).until(() -> listener.openSessions() == 1);
        assertThat(other.command("NOOP")).isEqualTo("250 2.0.0 Ok");
    }

    @Test
    void aListenerCanNarrowOrWidenTheProtocolsOfTheTlsService() {
        start(b -> b.tlsProtocols("TLSv1.2"));
        SmtpTestClient c = readyToStartTls();
        assertThatThrownBy(() -> c.startTls(certificate.client, "TLSv1.3")).isInstanceOf(UncheckedIOException.class);
        c.close();

        SmtpTestClient ok = readyToStartTls();
        SSLSocket socket = ok.startTls(certificate.client, "TLSv1.3", "TLSv1.2");
        assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
        assertThat(ok.command("EHLO client.example")).startsWith("250");
        // only the completed handshake counts, with its protocol
        assertThat(counted("karavel_smtp_tls_handshakes_total")).isEqualTo(1.0);
        assertThat(listener.counters().metrics())
                .filteredOn(m -> m.name().equals("karavel_smtp_tls_handshakes_total"))
                .singleElement()
                .satisfies(m -> assertThat(m.samples().get(0).labels()).containsEntry("protocol", "TLSv1.2"));
    }

    @Test
    void garbageInsteadOfAClientHelloClosesOnlyThatSession() {
        start(b -> b);
        SmtpTestClient other = ehloInClear("other.example");
        SmtpTestClient c = readyToStartTls();
        c.send("MAIL FROM:<evil@example.org>\r\nHELLO I AM NOT TLS\r\n");
        StringBuilder answered = new StringBuilder();
        for (String line = c.line(); line != null; line = c.line()) { // to the end of stream: closed
            answered.append(line);
        }
        assertThat(answered.toString()).doesNotContain("250").doesNotContain("503"); // nothing in clear text
        assertThat(other.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        assertThat(transaction(other, "a@example.org", "b@example.org")).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(spool.queued()).hasSize(1);
    }

    // ------------------------------------------------------------------ AUTH

    @Test
    void authPlainSucceedsAndTheReceivedHeaderSaysEsmtpsaWithTheCipher() {
        AtomicReference<SessionView> seen = new AtomicReference<>();
        filters.add(FilterEntry.of(
                new SmtpFilter() {
                    @Override
                    public CompletionStage<Verdict> mailFrom(
                            SessionView session, EnvelopeView envelope, MailAddress sender) {
                        seen.set(session);
                        return Verdict.noOpinion().stage();
                    }
                },
                "probe",
                0));
        start(b -> b);
        SmtpTestClient c = secured();
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, ALICE_PASSWORD)))
                .isEqualTo("235 2.7.0 Authentication successful");
        assertThat(transaction(c, ALICE, "b@example.net")).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(seen.get().authenticatedUser()).contains(ALICE);
        assertThat(spool.only().message().envelope().authenticatedUser()).isEqualTo(ALICE);
        String text = spool.only().text();
        assertThat(text)
                .startsWith(
                        "Received: from client.example (unknown [127.0.0.1])\r\n" + "\t(using TLSv1.3 with cipher TLS_")
                .contains(" (Karavel) with ESMTPSA id ");
        assertThat(text).doesNotContain(ALICE_PASSWORD).doesNotContain(plain(ALICE, ALICE_PASSWORD));
        assertThat(passwordsSeen).isNotEmpty().allSatisfy(p -> assertThat(p).containsOnly((char) 0));
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, ALICE_PASSWORD))).startsWith("503 5.5.1");
    }

    @Test
    void aWrongPasswordAndAnUnknownUserGetTheSameReply() {
        start(b -> b);
        SmtpTestClient c = secured();
        String wrong = c.command("AUTH PLAIN " + plain(ALICE, "guess"));
        String unknown = c.command("AUTH PLAIN " + plain("nobody@example.org", "guess"));
        assertThat(wrong)
                .isEqualTo("535 5.7.8 Authentication credentials invalid")
                .isEqualTo(unknown);
        assertThat(counted("karavel_smtp_auth_failures_total")).isEqualTo(2.0);
        // PLAIN without an initial response, then the response alone
        assertThat(c.command("AUTH PLAIN")).isEqualTo("334 ");
        assertThat(c.command(plain(ALICE, ALICE_PASSWORD))).isEqualTo("235 2.7.0 Authentication successful");
    }

    @Test
    void authLoginAskingForUserAndPassword() {
        start(b -> b);
        SmtpTestClient c = secured();
        assertThat(c.command("AUTH LOGIN")).isEqualTo("334 VXNlcm5hbWU6");
        assertThat(c.command(b64(ALICE))).isEqualTo("334 UGFzc3dvcmQ6");
        assertThat(c.command(b64(ALICE_PASSWORD))).isEqualTo("235 2.7.0 Authentication successful");
    }

    @Test
    void authLoginWithTheUserAsInitialResponse() {
        start(b -> b);
        SmtpTestClient c = secured();
        assertThat(c.command("AUTH LOGIN " + b64("bob@example.org"))).isEqualTo("334 UGFzc3dvcmQ6");
        assertThat(c.command(b64("bobpw"))).isEqualTo("235 2.7.0 Authentication successful");
    }

    @Test
    void cancelBadBase64AndUnknownMechanism() {
        start(b -> b);
        SmtpTestClient c = secured();
        assertThat(c.command("AUTH PLAIN")).isEqualTo("334 ");
        assertThat(c.command("*")).isEqualTo("501 5.0.0 Authentication cancelled");
        assertThat(c.command("AUTH LOGIN")).startsWith("334 ");
        assertThat(c.command("not base64!")).isEqualTo("501 5.5.2 Cannot decode response");
        assertThat(c.command("AUTH PLAIN %%%")).isEqualTo("501 5.5.2 Cannot decode response");
        assertThat(c.command("AUTH CRAM-MD5")).startsWith("504 5.5.4");
        assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok"); // back to commands
    }

    @Test
    void authBeforeTlsIsRefused() {
        start(b -> b);
        SmtpTestClient c = ehloInClear("client.example");
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, ALICE_PASSWORD)))
                .isEqualTo("538 5.7.11 Encryption required for requested authentication mechanism");
        assertThat(passwordsSeen).isEmpty();
    }

    @Test
    void authInsideATransactionAndWithoutBackend() {
        start(b -> b);
        SmtpTestClient c = secured();
        assertThat(c.command("MAIL FROM:<a@example.org>")).startsWith("250 ");
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, ALICE_PASSWORD))).startsWith("503 5.5.1");
        assertThat(c.command("RSET")).startsWith("250 ");
        users = null;
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, ALICE_PASSWORD)))
                .isEqualTo("454 4.7.0 Temporary authentication failure");
    }

    @Test
    void authLinesMayBeLongerThanCommandsButNotEndless() {
        start(b -> b);
        SmtpTestClient c = secured();
        String longPassword = "x".repeat(3000); // the line is longer than max_command_line (2048)
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, longPassword)))
                .isEqualTo("535 5.7.8 Authentication credentials invalid");
        assertThat(c.command("AUTH PLAIN " + "A".repeat(13000)))
                .isEqualTo("500 5.5.6 Authentication Exchange line is too long");
        assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
    }

    @Test
    void tooManyFailuresFromOneAddressCloseWith421() {
        start(b -> b.authMaxFailures(2));
        SmtpTestClient c = secured();
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, "a"))).startsWith("535 ");
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, "b"))).startsWith("535 ");
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, ALICE_PASSWORD)))
                .isEqualTo("421 4.7.0 " + HOST + " Too many failed authentications, try later");
        assertThat(c.closedByServer()).isTrue();
        int asked = passwordsSeen.size();
        SmtpTestClient again = secured(); // a new connection from the same address
        assertThat(again.command("AUTH LOGIN")).startsWith("421 4.7.0");
        assertThat(passwordsSeen).hasSize(asked);
    }

    @Test
    void authRequiredRefusesMailBeforeAuth() {
        start(b -> b.authRequired(true));
        SmtpTestClient c = secured();
        assertThat(c.command("MAIL FROM:<" + ALICE + ">")).isEqualTo("530 5.7.0 Authentication required");
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, ALICE_PASSWORD))).startsWith("235 ");
        assertThat(transaction(c, ALICE, "b@example.net")).startsWith("250 2.0.0 Ok: queued as ");
    }

    @Test
    void senderLoginMatchAllowsOnlyTheUsersAddresses() {
        start(b -> b.authRequired(true).senderLoginMatch(true));
        SmtpTestClient c = secured();
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, ALICE_PASSWORD))).startsWith("235 ");
        assertThat(c.command("MAIL FROM:<bob@example.org>"))
                .isEqualTo("553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user " + ALICE);
        assertThat(c.command("MAIL FROM:<info@example.org>")).startsWith("250 2.1.0");
    }

    @Test
    void aListenerWithoutAuthNeverOffersItEvenAfterTls() {
        start(b -> b.auth(false));
        SmtpTestClient c = connect();
        assertThat(c.command("EHLO client.example")).contains("250-STARTTLS").doesNotContain("AUTH");
        assertThat(c.command("STARTTLS")).startsWith("220 ");
        c.startTls(certificate.client);
        assertThat(c.command("EHLO client.example")).startsWith("250-" + HOST).doesNotContain("AUTH");
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, ALICE_PASSWORD)))
                .isEqualTo("503 5.5.1 Error: authentication not enabled");
        assertThat(passwordsSeen).isEmpty();
        assertThat(transaction(c, "bob@example.org", "b@example.org")).startsWith("250 2.0.0 Ok: queued as ");
    }

    @Test
    void theSenderCheckAppliesToEveryAuthenticatedSession() {
        // an MX-like listener with AUTH enabled: AUTH optional, nothing said about sender_login_match
        start(b -> b.auth(true).authRequired(false));
        SmtpTestClient stranger = secured();
        assertThat(stranger.command("MAIL FROM:<bob@example.org>")).startsWith("250 2.1.0"); // not authenticated
        SmtpTestClient c = secured();
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, ALICE_PASSWORD))).startsWith("235 ");
        assertThat(c.command("MAIL FROM:<bob@example.org>"))
                .isEqualTo("553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user " + ALICE);
        assertThat(c.command("MAIL FROM:<info@example.org>")).startsWith("250 2.1.0");
    }

    @Test
    void failuresAreForgottenAfterTheWindowAndMemoryIsBounded() throws Exception {
        AtomicLong now = new AtomicLong();
        LoginFailures failures = new LoginFailures(now::get);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        failures.failed(a, 300);
        failures.failed(a, 300);
        assertThat(failures.blocked(a, 2, 300)).isTrue();
        now.addAndGet(TimeUnit.SECONDS.toNanos(301));
        assertThat(failures.blocked(a, 2, 300)).isFalse();
        for (int i = 0; i < LoginFailures.MAX_ADDRESSES + 500; i++) {
            failures.failed(
                    InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}), 300);
        }
        assertThat(failures.size()).isLessThanOrEqualTo(LoginFailures.MAX_ADDRESSES);
    }

    /** The sum of a metric family's samples in the listener's counters. */
    private double counted(String family) {
        return listener.counters().metrics().stream()
                .filter(m -> m.name().equals(family))
                .flatMap(m -> m.samples().stream())
                .mapToDouble(x -> x.value())
                .sum();
    }

    // ------------------------------------------------------------------ From header of authenticated mail (issue 13)

    @Test
    void anAuthenticatedUserMayWriteOnlyItsOwnAddressesInFrom() {
        start(b -> b.authRequired(true).senderLoginMatch(true)); // from_login_match is on by default
        SmtpTestClient c = secured();
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, ALICE_PASSWORD))).startsWith("235 ");
        assertThat(SmtpTestDialogue.transaction(
                        c, ALICE, "x@example.net", "From: Bob <bob@example.org>\r\nSubject: forged\r\n\r\nhi\r\n"))
                .isEqualTo("553 5.7.1 <bob@example.org>: From header address rejected: not owned by user " + ALICE);
        // a second From field, or a second address in one, is checked too
        assertThat(SmtpTestDialogue.transaction(
                        c,
                        ALICE,
                        "x@example.net",
                        "From: <alice@example.org>\r\nFrom: <bob@example.org>\r\n\r\nhi\r\n"))
                .startsWith("553 5.7.1 <bob@example.org>");
        assertThat(SmtpTestDialogue.transaction(
                        c,
                        ALICE,
                        "x@example.net",
                        "From: alice@example.org, \"Bob\" <ceo@other.example>\r\n\r\nhi\r\n"))
                .startsWith("553 5.7.1 <ceo@other.example>");
        assertThat(spool.queued()).isEmpty();
        assertThat(mailLog)
                .anyMatch(
                        l -> l.matches(
                                ".*: reject stage=END-OF-MESSAGE .* client=\\[127.0.0.1\\] .*\\(553 5.7.1 <bob@example.org>.*"));

        // its own address and its alias pass, and the message is recorded as a submission of that user
        assertThat(SmtpTestDialogue.transaction(
                        c,
                        ALICE,
                        "x@example.net",
                        "From: \"Alice (Info)\" <info@example.org>, alice@example.org\r\n\r\nhi\r\n"))
                .startsWith("250 2.0.0 Ok: queued as ");
        assertThat(spool.only().envelope().origin()).isEqualTo(org.karavel.api.queue.Origin.submission(ALICE));
    }

    @Test
    void withFromLoginMatchOffAForeignFromIsAcceptedAndUnauthenticatedMailIsNeverChecked() {
        start(b -> b.fromLoginMatch(false));
        SmtpTestClient c = secured();
        assertThat(c.command("AUTH PLAIN " + plain(ALICE, ALICE_PASSWORD))).startsWith("235 ");
        assertThat(SmtpTestDialogue.transaction(c, ALICE, "x@example.net", "From: <bob@example.org>\r\n\r\nhi\r\n"))
                .startsWith("250 2.0.0 Ok: queued as ");
        listener.stop();
        start(b -> b.name("other").fromLoginMatch(true));
        SmtpTestClient stranger = connect();
        assertThat(stranger.command("EHLO client.example")).startsWith("250");
        assertThat(SmtpTestDialogue.transaction(
                        stranger, "bob@example.org", "x@example.net", "From: <bob@example.org>\r\n\r\nhi\r\n"))
                .startsWith("250 2.0.0 Ok: queued as ");
        assertThat(spool.queued().get(1).envelope().origin().kind())
                .isEqualTo(org.karavel.api.queue.Origin.Kind.INTERNET);
    }
}
