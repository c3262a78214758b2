package org.karavel.smtp.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.Spool;
import org.karavel.api.queue.SpoolFullException;
import org.karavel.testkit.MemorySpool;

/**
 * The listener over real sockets on 127.0.0.1, with an in-memory spool and in-test filters: what
 * needs a socket, threads or filters (pipelining, back-pressure, timeouts, connection limits, filters,
 * the spool, life cycle). The syntax, sequence, BDAT and limit cases are dialogue files run by
 * {@link SmtpDialogueTest} without a socket.
 */
class SmtpListenerTest {
    private static final String HOST = "mx.test.example";
    private static final String GREETING = "220 " + HOST + " ESMTP Karavel";
    private static final Executor LATER = CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS);

    private MemorySpool spool;
    private volatile Spool spoolService;
    private FilterChain filters;
    private final List<String> mailLog = new CopyOnWriteArrayList<>();
    private SmtpListener listener;
    private final List<SmtpTestClient> clients = new ArrayList<>();

    @BeforeEach
    void setUp() {
        spool = new MemorySpool().commitOnSpoolThread();
        spoolService = spool;
        filters = new FilterChain();
    }

    @AfterEach
    void tearDown() {
        SmtpTestDialogue.hangUp(clients, listener, spool);
    }

    // ------------------------------------------------------------------ helpers

    private SmtpListener start() {
        return start(b -> b);
    }

    private SmtpListener start(UnaryOperator<ListenerSettings.Builder> custom) {
        ListenerSettings settings = custom.apply(ListenerSettings.builder(HOST)
                        .name("test")
                        .address("127.0.0.1")
                        .port(0))
                .build();
        listener = new SmtpListener(settings, () -> spoolService, filters, new MailLog(mailLog::add));
        try {
            listener.start();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return listener;
    }

    private SmtpTestClient open() {
        SmtpTestClient c = new SmtpTestClient(listener.localAddress());
        clients.add(c);
        return c;
    }

    private SmtpTestClient connect() {
        SmtpTestClient c = open();
        assertThat(c.reply()).isEqualTo(GREETING);
        return c;
    }

    private SmtpTestClient ehlo() {
        SmtpTestClient c = connect();
        assertThat(c.command("EHLO client.example")).startsWith("250-" + HOST);
        return c;
    }

    private static String transaction(SmtpTestClient c, String from, String to, String content) {
        return SmtpTestDialogue.transaction(c, from, to, content);
    }

    /** MAIL from a@example.com and RCPT to b@example.org, each answered with a 250. */
    private static void openTransaction(SmtpTestClient c) {
        assertThat(c.command("MAIL FROM:<a@example.com>")).startsWith("250");
        assertThat(c.command("RCPT TO:<b@example.org>")).startsWith("250");
    }

    /** A transaction opened as {@link #openTransaction} and DATA answered with a 354: content comes next. */
    private static void startData(SmtpTestClient c) {
        openTransaction(c);
        assertThat(c.command("DATA")).startsWith("354");
    }

    /** DATA (answered with a 354), then the content (dot-stuffed, ending with CRLF) and the final dot: the reply. */
    private static String data(SmtpTestClient c, String content) {
        assertThat(c.command("DATA")).startsWith("354");
        return c.send(content + ".\r\n").reply();
    }

    private static SmtpFilter rcptFilter(String address, CompletionStage<Verdict> verdict) {
        return new SmtpFilter() {
            @Override
            public CompletionStage<Verdict> rcptTo(SessionView session, EnvelopeView envelope, MailAddress recipient) {
                return recipient.toString().equals(address)
                        ? verdict
                        : Verdict.noOpinion().stage();
            }
        };
    }

    /** The filter "relay" (ranking 100): rejects blocked@example.org with "554 5.7.1 Relay access denied". */
    private static FilterEntry relayDenial() {
        return FilterEntry.of(
                rcptFilter(
                        "blocked@example.org",
                        Verdict.reject(554, "5.7.1", "Relay access denied").stage()),
                "relay",
                100);
    }

    // ------------------------------------------------------------------ a whole session

    @Test
    void fullSessionQueuesTheMessageWithAReceivedHeader() {
        start();
        SmtpTestClient c = connect();
        assertThat(c.command("EHLO client.example"))
                .isEqualTo(String.join(
                        "\n",
                        "250-" + HOST,
                        "250-PIPELINING",
                        "250-SIZE 36700160",
                        "250-8BITMIME",
                        "250-ENHANCEDSTATUSCODES",
                        "250-DSN",
                        "250-SMTPUTF8",
                        "250 CHUNKING"));
        String reply = transaction(c, "alice@example.com", "bob@example.org", "Subject: hi\r\n\r\nHello Bob\r\n");
        assertThat(reply).isEqualTo("250 2.0.0 Ok: queued as T000001");
        assertThat(c.command("QUIT")).isEqualTo("221 2.0.0 Bye");
        assertThat(c.closedByServer()).isTrue();

        MemorySpool.Queued stored = spool.only();
        assertThat(stored.text())
                .matches("(?s)Received: from client\\.example \\(unknown \\[127\\.0\\.0\\.1\\]\\)\r\n"
                        + "\tby mx\\.test\\.example \\(Karavel\\) with ESMTP id T000001\r\n"
                        + "\tfor <bob@example\\.org>; [A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}\r\n"
                        + "Subject: hi\r\n\r\nHello Bob\r\n");
        Envelope envelope = stored.message().envelope();
        assertThat(envelope.sender()).hasToString("alice@example.com");
        assertThat(envelope.recipients()).extracting(MailAddress::toString).containsExactly("bob@example.org");
        assertThat(envelope.clientAddress()).isEqualTo("127.0.0.1");
        assertThat(envelope.heloName()).isEqualTo("client.example");
        assertThat(envelope.listenerName()).isEqualTo("test");
        assertThat(envelope.authenticatedUser()).isEmpty();
        assertThat(mailLog)
                .containsExactly("T000001: received from=<alice@example.com> size=" + stored.content().length
                        + " nrcpt=1 client=[127.0.0.1] helo=<client.example> listener=test");
    }

    @Test
    void receivedHeaderHasNoForClauseWithSeveralRecipientsAndSaysSmtpAfterHelo() {
        start();
        SmtpTestClient c = connect();
        assertThat(c.command("HELO old.example")).isEqualTo("250 " + HOST);
        assertThat(c.command("MAIL FROM:<>")).startsWith("250 2.1.0");
        assertThat(c.command("RCPT TO:<a@example.org>")).startsWith("250 2.1.5");
        assertThat(c.command("RCPT TO:<b@example.org>")).startsWith("250 2.1.5");
        assertThat(data(c, "x\r\n")).startsWith("250 2.0.0 Ok: queued as ");
        String text = spool.only().text();
        assertThat(text)
                .startsWith("Received: from old.example (unknown [127.0.0.1])\r\n\tby " + HOST
                        + " (Karavel) with SMTP id T000001; ");
        assertThat(text).doesNotContain("for <");
        assertThat(spool.only().message().envelope().sender().isNullSender()).isTrue();
    }

    // ------------------------------------------------------------------ pipelining and back-pressure

    @Test
    void pipelinedCommandsAreAnsweredInOrder() {
        start();
        SmtpTestClient c = connect();
        c.send("EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<bad>\r\n"
                + "RCPT TO:<c@example.org>\r\nDATA\r\nSubject: one\r\n\r\nfirst\r\n.\r\n"
                + "MAIL FROM:<d@example.com>\r\nRCPT TO:<e@example.org>\r\nDATA\r\nSubject: two\r\n\r\nsecond\r\n.\r\n"
                + "NOOP\r\nQUIT\r\n");
        List<String> replies = c.replies(13);
        assertThat(replies.get(0)).startsWith("250-" + HOST).endsWith("250 CHUNKING");
        assertThat(replies.subList(1, 13))
                .extracting(r -> r.substring(0, 9))
                .containsExactly(
                        "250 2.1.0",
                        "250 2.1.5",
                        "501 5.1.3",
                        "250 2.1.5",
                        "354 End d",
                        "250 2.0.0",
                        "250 2.1.0",
                        "250 2.1.5",
                        "354 End d",
                        "250 2.0.0",
                        "250 2.0.0",
                        "221 2.0.0");
        assertThat(replies.get(6)).isEqualTo("250 2.0.0 Ok: queued as T000001");
        assertThat(replies.get(10)).isEqualTo("250 2.0.0 Ok: queued as T000002");
        assertThat(spool.queued()).hasSize(2);
        assertThat(SmtpTestDialogue.withoutReceived(spool.queued().get(1).text()))
                .isEqualTo("Subject: two\r\n\r\nsecond\r\n");
    }

    @Test
    void pipeliningWithSlowFiltersKeepsTheOrder() {
        // every stage answered later on another thread: the session suspends reading and resumes
        filters.add(FilterEntry.of(
                new SmtpFilter() {
                    @Override
                    public CompletionStage<Verdict> helo(SessionView session, String heloName) {
                        return CompletableFuture.supplyAsync(Verdict::noOpinion, LATER);
                    }

                    @Override
                    public CompletionStage<Verdict> mailFrom(
                            SessionView session, EnvelopeView envelope, MailAddress sender) {
                        return CompletableFuture.supplyAsync(Verdict::noOpinion, LATER);
                    }

                    @Override
                    public CompletionStage<Verdict> rcptTo(
                            SessionView session, EnvelopeView envelope, MailAddress recipient) {
                        return CompletableFuture.supplyAsync(
                                () -> recipient.localPart().equals("no")
                                        ? Verdict.reject(550, "5.1.1", "No such user")
                                        : Verdict.noOpinion(),
                                LATER);
                    }
                },
                "slow",
                0));
        start();
        SmtpTestClient c = connect();
        StringBuilder batch = new StringBuilder("EHLO client.example\r\nMAIL FROM:<a@example.com>\r\n");
        for (int i = 0; i < 10; i++) {
            batch.append("RCPT TO:<").append(i % 3 == 0 ? "no" : "r" + i).append("@example.org>\r\n");
        }
        batch.append("DATA\r\nhello\r\n.\r\nQUIT\r\n");
        c.send(batch.toString());
        List<String> replies = c.replies(15);
        assertThat(replies.get(0)).startsWith("250-");
        assertThat(replies.get(1)).startsWith("250 2.1.0");
        for (int i = 0; i < 10; i++) {
            assertThat(replies.get(2 + i)).startsWith(i % 3 == 0 ? "550 5.1.1 No such user" : "250 2.1.5");
        }
        assertThat(replies.subList(12, 15)).extracting(r -> r.substring(0, 3)).containsExactly("354", "250", "221");
        assertThat(spool.only().message().envelope().recipients()).hasSize(6);
    }

    @Test
    void aClientThatDoesNotReadItsRepliesCannotMakeMemoryGrow() throws Exception {
        start();
        SmtpTestClient c = new SmtpTestClient(listener.localAddress(), 4096);
        clients.add(c);
        assertThat(c.reply()).isEqualTo(GREETING);
        int commands = 300_000;
        byte[] noops = "NOOP\r\n".repeat(commands).getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> c.sendBytes(noops));
        // the server stops reading once its replies back up: the client's writes stall
        await().atMost(10, SECONDS).until(() -> listener.peakBacklog() > 64 * 1024);
        int received = 0;
        while (received < commands) {
            String r = c.reply();
            if (!r.equals("250 2.0.0 Ok")) {
                throw new AssertionError("reply " + received + ": " + r);
            }
            received++;
        }
        writer.get(10, SECONDS);
        assertThat(received).isEqualTo(commands);
        // replies queued plus input held by the session stayed small although 4 MB of replies were due
        assertThat(listener.peakBacklog()).isLessThan(512 * 1024);
    }

    @Test
    void manySessionsWithFiltersAndCommitsRunConcurrentlyWithoutStalling() throws Exception {
        // every command waits for a filter or the spool on another thread: reading is suspended and
        // resumed thousands of times while replies are being written (a lost resume stalls a session)
        filters.add(FilterEntry.of(
                rcptFilter(
                        "nobody@example.org", Verdict.reject(550, "5.1.1", "No").stage()),
                "f",
                0));
        start();
        String content = "Subject: load\r\n\r\n" + "some text in the body of the message\r\n".repeat(50);
        List<CompletableFuture<Void>> sessions = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            SmtpTestClient c = connect();
            assertThat(c.command("EHLO client.example")).startsWith("250-");
            sessions.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 250; i++) {
                    c.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n");
                    assertThat(c.replies(3)).extracting(r -> r.substring(0, 3)).containsExactly("250", "250", "354");
                    assertThat(c.send(content + ".\r\n").reply()).startsWith("250 2.0.0 Ok: queued as");
                }
            }));
        }
        CompletableFuture.allOf(sessions.toArray(new CompletableFuture[0])).get(60, SECONDS);
        assertThat(spool.queued()).hasSize(1000);
    }

    @Test
    void bdatLastAloneAndPipelined() {
        start();
        SmtpTestClient c = connect();
        String content = "Subject: one chunk\r\n\r\nbody\r\n";
        c.send("EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n" + "BDAT "
                + content.length() + " LAST\r\n" + content + "NOOP\r\n");
        List<String> replies = c.replies(5);
        assertThat(replies.get(3)).isEqualTo("250 2.0.0 Ok: queued as T000001");
        assertThat(replies.get(4)).isEqualTo("250 2.0.0 Ok");
        assertThat(SmtpTestDialogue.withoutReceived(spool.only().text())).isEqualTo(content);
    }

    // ------------------------------------------------------------------ connection limits and timeouts

    @Test
    void connectionsPerAddressAreLimited() {
        start(b -> b.maxConnectionsPerIp(2));
        SmtpTestClient one = connect();
        connect();
        SmtpTestClient third = open();
        assertThat(third.reply()).isEqualTo("421 4.7.0 " + HOST + " Too many connections");
        assertThat(third.closedByServer()).isTrue();
        one.command("QUIT");
        await().atMost(5, SECONDS).until(() -> listener.connectionCount() == 1);
        connect();
    }

    @Test
    void connectionsInAllAreLimited() {
        start(b -> b.maxConnections(2).maxConnectionsPerIp(10));
        connect();
        connect();
        SmtpTestClient third = open();
        assertThat(third.reply()).isEqualTo("421 4.7.0 " + HOST + " Too many connections");
        assertThat(third.closedByServer()).isTrue();
    }

    @Test
    void silentClientsAreTimedOut() {
        start(b -> b.commandTimeoutSeconds(1));
        SmtpTestClient c = ehlo();
        long started = System.nanoTime();
        assertThat(c.reply()).isEqualTo("421 4.4.2 " + HOST + " Error: timeout exceeded");
        assertThat(c.closedByServer()).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(500L, 3500L);
    }

    @Test
    void silenceInDataIsTimedOutAndNothingIsQueued() {
        start(b -> b.dataTimeoutSeconds(1));
        SmtpTestClient c = ehlo();
        startData(c);
        c.send("Subject: half\r\n");
        assertThat(c.reply()).isEqualTo("421 4.4.2 " + HOST + " Error: timeout exceeded");
        assertThat(spool.queued()).isEmpty();
        await().atMost(5, SECONDS).until(() -> spool.aborted().size() == 1);
    }

    @Test
    void aCommandSentAByteAtATimeIsTimedOutPerLine() {
        start(b -> b.commandTimeoutSeconds(1));
        SmtpTestClient c = ehlo();
        long started = System.nanoTime();
        // a slowloris: each byte comes well within the limit, the line never within it
        try (Trickle t = new Trickle(c, "NOOP " + "x".repeat(200) + "\r\n", 100)) {
            assertThat(c.reply()).isEqualTo("421 4.4.2 " + HOST + " Error: timeout exceeded");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(500L, 5000L);
    }

    @Test
    void contentSentAByteAtATimeIsTimedOutPerLineAndNothingIsQueued() {
        start(b -> b.dataTimeoutSeconds(1));
        SmtpTestClient c = ehlo();
        startData(c);
        try (Trickle t = new Trickle(c, "Subject: " + "y".repeat(200) + "\r\n", 100)) {
            assertThat(c.reply()).isEqualTo("421 4.4.2 " + HOST + " Error: timeout exceeded");
        }
        assertThat(spool.queued()).isEmpty();
        await().atMost(5, SECONDS).until(() -> spool.aborted().size() == 1);
    }

    @Test
    void aChunkSentAByteAtATimeIsTimedOut() {
        start(b -> b.dataTimeoutSeconds(1));
        SmtpTestClient c = ehlo();
        openTransaction(c);
        c.send("BDAT 5000 LAST\r\n");
        try (Trickle t = new Trickle(c, "z".repeat(5000), 100)) {
            assertThat(c.reply()).isEqualTo("421 4.4.2 " + HOST + " Error: timeout exceeded");
        }
        assertThat(spool.queued()).isEmpty();
    }

    @Test
    void linesThatEachEndInTimeKeepASlowSessionAlive() {
        start(b -> b.commandTimeoutSeconds(2));
        SmtpTestClient c = ehlo();
        // about 5 s in all, but every line completes within the limit
        for (int i = 0; i < 10; i++) {
            try (Trickle t = new Trickle(c, "NOOP\r\n", 80)) {
                assertThat(c.reply()).isEqualTo("250 2.0.0 Ok");
            }
        }
    }

    @Test
    void aLineWithoutEndIsAnsweredAtOnceThenTimedOut() {
        start(b -> b.maxCommandLine(512).commandTimeoutSeconds(2));
        SmtpTestClient c = connect();
        c.sendBytes("z".repeat(100_000).getBytes(StandardCharsets.US_ASCII));
        assertThat(c.reply()).isEqualTo("500 5.5.2 Line too long");
        // the end of the long line is dropped without a second reply
        c.send("z".repeat(100_000) + "\r\n");
        assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        // bytes that keep coming without a line end do not hold the session open
        c.sendBytes("w".repeat(600).getBytes(StandardCharsets.US_ASCII));
        assertThat(c.reply()).isEqualTo("500 5.5.2 Line too long");
        try (Trickle t = new Trickle(c, "w".repeat(100_000), 20)) {
            assertThat(c.reply()).isEqualTo("421 4.4.2 " + HOST + " Error: timeout exceeded");
        }
    }

    /** Sends a text a byte at a time, one byte per period, on its own thread (a slow client). */
    private static final class Trickle implements AutoCloseable {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

        Trickle(SmtpTestClient c, String text, long periodMillis) {
            byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            AtomicInteger next = new AtomicInteger();
            timer.scheduleAtFixedRate(
                    () -> {
                        int i = next.getAndIncrement();
                        if (i >= bytes.length) {
                            throw new IllegalStateException("done"); // ends the schedule
                        }
                        try {
                            c.sendBytes(new byte[] {bytes[i]});
                        } catch (RuntimeException e) {
                            throw new IllegalStateException("closed", e); // the server closed: stop
                        }
                    },
                    0,
                    periodMillis,
                    TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ filters

    @Test
    void aFilterRejectsOneRecipientAndTheRestGoesOn() {
        filters.add(relayDenial());
        start();
        SmtpTestClient c = ehlo();
        assertThat(c.command("MAIL FROM:<a@example.com>")).startsWith("250");
        assertThat(c.command("RCPT TO:<blocked@example.org>")).isEqualTo("554 5.7.1 Relay access denied");
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo("250 2.1.5 Ok");
        assertThat(data(c, "hi\r\n")).startsWith("250 2.0.0");
        assertThat(spool.only().message().envelope().recipients())
                .extracting(MailAddress::toString)
                .containsExactly("b@example.org");
        assertThat(mailLog)
                .contains("NOQUEUE: reject stage=RCPT from=<a@example.com> to=<blocked@example.org> "
                        + "client=[127.0.0.1] helo=<client.example> (554 5.7.1 Relay access denied)");
    }

    @Test
    void withoutARequiredFilterNoRecipientPasses() {
        start(b -> b.requiredFilters("relay"));
        SmtpTestClient c = ehlo();
        assertThat(c.command("MAIL FROM:<a@example.com>")).startsWith("250");
        assertThat(c.command("RCPT TO:<b@example.org>"))
                .isEqualTo("451 4.3.0 <b@example.org>: Policy filter relay unavailable, try again later");
        filters.add(relayDenial());
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo("250 2.1.5 Ok");
        assertThat(c.command("RCPT TO:<blocked@example.org>")).isEqualTo("554 5.7.1 Relay access denied");
    }

    @Test
    void dataAfterOnlyRefusedRecipientsIsNoValidRecipients() {
        filters.add(relayDenial());
        start();
        SmtpTestClient c = ehlo();
        c.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<blocked@example.org>\r\nDATA\r\nSubject: x\r\n.\r\n");
        assertThat(c.replies(4))
                .containsExactly(
                        "250 2.1.0 Ok",
                        "554 5.7.1 Relay access denied",
                        "554 5.5.1 Error: no valid recipients",
                        "500 5.5.2 Error: command not recognized");
        assertThat(spool.queued()).isEmpty();
    }

    @Test
    void aFilterDefers() {
        filters.add(FilterEntry.of(
                rcptFilter(
                        "later@example.org",
                        Verdict.defer(450, "4.7.1", "Greylisted, try again later")
                                .stage()),
                "greylist",
                0));
        start();
        SmtpTestClient c = ehlo();
        assertThat(c.command("MAIL FROM:<a@example.com>")).startsWith("250");
        assertThat(c.command("RCPT TO:<later@example.org>")).isEqualTo("450 4.7.1 Greylisted, try again later");
        assertThat(c.command("RCPT TO:<now@example.org>")).isEqualTo("250 2.1.5 Ok");
    }

    @Test
    void aFilterThatThrowsGives451AndTheSessionGoesOn() {
        filters.add(FilterEntry.of(
                new SmtpFilter() {
                    @Override
                    public CompletionStage<Verdict> rcptTo(
                            SessionView session, EnvelopeView envelope, MailAddress recipient) {
                        if (recipient.localPart().equals("boom")) {
                            throw new IllegalStateException("filter bug");
                        }
                        if (recipient.localPart().equals("failed")) {
                            return CompletableFuture.failedFuture(new IOException("lookup failed"));
                        }
                        return Verdict.noOpinion().stage();
                    }
                },
                "buggy",
                0));
        start();
        SmtpTestClient c = ehlo();
        assertThat(c.command("MAIL FROM:<a@example.com>")).startsWith("250");
        assertThat(c.command("RCPT TO:<boom@example.org>")).isEqualTo("451 4.3.0 Temporary filter failure");
        assertThat(c.command("RCPT TO:<failed@example.org>")).isEqualTo("451 4.3.0 Temporary filter failure");
        assertThat(c.command("RCPT TO:<ok@example.org>")).isEqualTo("250 2.1.5 Ok");
    }

    @Test
    void aFilterThatDoesNotAnswerInTimeGives451AndTheSessionGoesOn() {
        CountDownLatch release = new CountDownLatch(1);
        filters.add(FilterEntry.of(rcptFilter("slow@example.org", new CompletableFuture<>()), "stuck", 0)
                .withTimeout(200));
        filters.add(FilterEntry.of(
                        new SmtpFilter() {
                            @Override
                            public CompletionStage<Verdict> rcptTo(
                                    SessionView session, EnvelopeView envelope, MailAddress recipient) {
                                if (recipient.localPart().equals("blocking")) {
                                    try {
                                        // a filter that blocks its thread against the SPI's advice, until the test ends
                                        release.await(10, TimeUnit.SECONDS);
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                }
                                return Verdict.noOpinion().stage();
                            }
                        },
                        "blocking",
                        -1)
                .withTimeout(200));
        start();
        SmtpTestClient c = ehlo();
        assertThat(c.command("MAIL FROM:<a@example.com>")).startsWith("250");
        long started = System.nanoTime();
        assertThat(c.command("RCPT TO:<slow@example.org>")).isEqualTo("451 4.3.0 Temporary filter failure");
        assertThat(c.command("RCPT TO:<blocking@example.org>")).isEqualTo("451 4.3.0 Temporary filter failure");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(2000);
        assertThat(c.command("RCPT TO:<ok@example.org>")).isEqualTo("250 2.1.5 Ok");
        release.countDown();
    }

    @Test
    void filtersAreAskedByRankingAndAcceptStopsTheStage() {
        List<String> asked = new CopyOnWriteArrayList<>();
        SmtpFilter passList = new SmtpFilter() {
            @Override
            public CompletionStage<Verdict> rcptTo(SessionView session, EnvelopeView envelope, MailAddress recipient) {
                asked.add("passlist");
                return (recipient.localPart().equals("friend") ? Verdict.accept() : Verdict.noOpinion()).stage();
            }
        };
        SmtpFilter rejectAll = new SmtpFilter() {
            @Override
            public CompletionStage<Verdict> rcptTo(SessionView session, EnvelopeView envelope, MailAddress recipient) {
                asked.add("reject");
                return Verdict.reject(550, "5.7.1", "Nobody").stage();
            }
        };
        filters.add(FilterEntry.of(rejectAll, "reject", 10));
        filters.add(FilterEntry.of(passList, "passlist", 20));
        start();
        SmtpTestClient c = ehlo();
        assertThat(c.command("MAIL FROM:<a@example.com>")).startsWith("250");
        assertThat(c.command("RCPT TO:<friend@example.org>")).isEqualTo("250 2.1.5 Ok");
        assertThat(asked).containsExactly("passlist");
        assertThat(c.command("RCPT TO:<stranger@example.org>")).isEqualTo("550 5.7.1 Nobody");
        assertThat(asked).containsExactly("passlist", "passlist", "reject");
    }

    @Test
    void aFilterCanRefuseTheConnection() {
        filters.add(FilterEntry.of(
                new SmtpFilter() {
                    @Override
                    public CompletionStage<Verdict> connect(SessionView session) {
                        return CompletableFuture.supplyAsync(
                                () -> Verdict.reject(554, "5.7.1", "Listed at a blocklist"), LATER);
                    }
                },
                "dnsbl",
                0));
        start();
        SmtpTestClient c = open();
        assertThat(c.reply()).isEqualTo("554 5.7.1 Listed at a blocklist");
        assertThat(c.closedByServer()).isTrue();
        assertThat(mailLog)
                .contains("NOQUEUE: reject stage=CONNECT client=[127.0.0.1] (554 5.7.1 Listed at a blocklist)");
    }

    @Test
    void aFilterCanDeferTheConnection() {
        filters.add(FilterEntry.of(
                new SmtpFilter() {
                    @Override
                    public CompletionStage<Verdict> connect(SessionView session) {
                        return Verdict.defer(450, "4.7.0", "Busy, try later").stage();
                    }
                },
                "busy",
                0));
        start();
        SmtpTestClient c = open();
        assertThat(c.reply()).isEqualTo("421 4.7.0 " + HOST + " Busy, try later");
        assertThat(c.closedByServer()).isTrue();
    }

    @Test
    void endOfMessageFiltersSeeTheMessageAndCanAddHeaders() {
        AtomicReference<String> seen = new AtomicReference<>();
        AtomicReference<List<String>> subjects = new AtomicReference<>();
        filters.add(FilterEntry.of(
                new SmtpFilter() {
                    @Override
                    public CompletionStage<Verdict> endOfMessage(
                            SessionView session, EnvelopeView envelope, MessageView message) {
                        subjects.set(message.header("subject"));
                        try (InputStream in = message.open()) {
                            seen.set(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                        } catch (IOException e) {
                            return CompletableFuture.failedFuture(e);
                        }
                        return CompletableFuture.supplyAsync(
                                () -> Verdict.noOpinion()
                                        .withHeader("X-Spam-Score", "0.1")
                                        .withHeader("X-Checked", "yes"),
                                LATER);
                    }
                },
                "scanner",
                0));
        start();
        SmtpTestClient c = ehlo();
        String content = "Subject: folded\r\n and more\r\n\r\n" + "body line\r\n".repeat(30_000); // a copy on disk
        assertThat(transaction(c, "a@example.com", "b@example.org", content))
                .isEqualTo("250 2.0.0 Ok: queued as T000002");
        assertThat(seen.get()).isEqualTo(content);
        assertThat(subjects.get()).containsExactly("folded and more");
        String stored = spool.only().text();
        assertThat(stored).startsWith("X-Spam-Score: 0.1\r\nX-Checked: yes\r\nReceived: from client.example");
        assertThat(stored).contains(" id T000002\r\n").endsWith(content);
        assertThat(spool.aborted()).extracting(Object::toString).containsExactly("T000001");
    }

    @Test
    void aMessageTheFiltersReadInMemoryIsWrittenToTheSpoolOnce() {
        AtomicReference<String> seen = new AtomicReference<>();
        filters.add(FilterEntry.of(
                new SmtpFilter() {
                    @Override
                    public CompletionStage<Verdict> endOfMessage(
                            SessionView session, EnvelopeView envelope, MessageView message) {
                        try (InputStream in = message.open()) {
                            seen.set(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                        } catch (IOException e) {
                            return CompletableFuture.failedFuture(e);
                        }
                        return message.header("Subject").contains("plain")
                                ? Verdict.noOpinion().stage()
                                : Verdict.noOpinion()
                                        .withHeader("X-Checked", "yes")
                                        .stage();
                    }
                },
                "scanner",
                0));
        start();
        SmtpTestClient c = ehlo();
        // 100 KB: in the copy's memory, so the draft gets it once, after the filter's header
        String content = "Subject: big\r\n\r\n" + "body line\r\n".repeat(10_000);
        assertThat(transaction(c, "a@example.com", "b@example.org", content))
                .isEqualTo("250 2.0.0 Ok: queued as T000001");
        assertThat(seen.get()).isEqualTo(content);
        String stored = spool.only().text();
        assertThat(stored).startsWith("X-Checked: yes\r\nReceived: from client.example");
        assertThat(stored).contains(" id T000001\r\n").endsWith(content);
        assertThat(spool.aborted()).isEmpty();
        // no header added: the content goes into the draft as it came, behind the Received header
        String plain = "Subject: plain\r\n\r\n" + "x".repeat(900) + "\r\n";
        assertThat(transaction(c, "a@example.com", "b@example.org", plain))
                .isEqualTo("250 2.0.0 Ok: queued as T000002");
        assertThat(spool.queued().get(1).text())
                .startsWith("Received: from client.example")
                .contains(" id T000002\r\n")
                .endsWith(plain);
        assertThat(spool.aborted()).isEmpty();
    }

    @Test
    void endOfMessageFiltersCanRemoveReceivedHeaders() {
        filters.add(FilterEntry.of(
                new SmtpFilter() {
                    @Override
                    public CompletionStage<Verdict> endOfMessage(
                            SessionView session, EnvelopeView envelope, MessageView message) {
                        Verdict verdict = Verdict.noOpinion().withHeader("Authentication-Results", HOST + "; spf=pass");
                        List<Verdict.Header> headers = message.headers();
                        for (int i = 0; i < headers.size(); i++) {
                            if (headers.get(i).name().equalsIgnoreCase("Authentication-Results")
                                    && headers.get(i).value().startsWith(HOST + ";")) {
                                verdict = verdict.withHeaderRemoved(i);
                            }
                        }
                        return verdict.stage();
                    }
                },
                "authres",
                0));
        start();
        SmtpTestClient c = ehlo();
        String content = "not a field\r\nAuthentication-Results: " + HOST + ";\r\n dkim=pass (forged)\r\n"
                + "Subject: hi\r\nAuthentication-Results: other.example; spf=fail\r\n"
                + "authentication-results: " + HOST + "; dmarc=pass\r\n\r\n"
                + "Authentication-Results: " + HOST + "; in the body\r\n";
        assertThat(transaction(c, "a@example.com", "b@example.org", content)).startsWith("250 2.0.0");
        String stored = spool.only().text();
        assertThat(stored)
                .startsWith("Authentication-Results: " + HOST + "; spf=pass\r\nReceived: from client.example");
        assertThat(stored)
                .endsWith("not a field\r\nSubject: hi\r\nAuthentication-Results: other.example; spf=fail\r\n\r\n"
                        + "Authentication-Results: " + HOST + "; in the body\r\n");
    }

    @Test
    void anEndOfMessageRejectQueuesNothing() {
        filters.add(FilterEntry.of(
                new SmtpFilter() {
                    @Override
                    public CompletionStage<Verdict> endOfMessage(
                            SessionView session, EnvelopeView envelope, MessageView message) {
                        return (message.header("Subject").contains("spam")
                                        ? Verdict.reject(554, "5.7.1", "Spam")
                                        : Verdict.noOpinion())
                                .stage();
                    }
                },
                "spam",
                0));
        start();
        SmtpTestClient c = ehlo();
        assertThat(transaction(c, "a@example.com", "b@example.org", "Subject: spam\r\n\r\nbuy\r\n"))
                .isEqualTo("554 5.7.1 Spam");
        assertThat(spool.queued()).isEmpty();
        assertThat(mailLog)
                .anyMatch(l -> l.matches(
                        "T000001: reject stage=END-OF-MESSAGE .* client=\\[127.0.0.1\\] .*\\(554 5.7.1 Spam\\)"));
        assertThat(transaction(c, "a@example.com", "b@example.org", "Subject: ham\r\n\r\nhi\r\n"))
                .startsWith("250 2.0.0");
    }

    @Test
    void filtersSeeTheSessionAndEnvelope() {
        AtomicReference<String> seen = new AtomicReference<>();
        filters.add(FilterEntry.of(
                new SmtpFilter() {
                    @Override
                    public CompletionStage<Verdict> connect(SessionView session) {
                        session.attributes().put("test.connected", Boolean.TRUE);
                        return Verdict.noOpinion().stage();
                    }

                    @Override
                    public CompletionStage<Verdict> rcptTo(
                            SessionView session, EnvelopeView envelope, MailAddress recipient) {
                        seen.set(session.listenerName() + " "
                                + session.heloName().orElse("?") + " " + session.extended() + " "
                                + session.clientAddress().getAddress().getHostAddress() + " "
                                + session.attributes().get("test.connected") + " " + envelope.sender() + " "
                                + envelope.recipients() + " " + envelope.mailParameters());
                        return Verdict.noOpinion().stage();
                    }
                },
                "observer",
                0));
        start();
        SmtpTestClient c = ehlo();
        assertThat(c.command("MAIL FROM:<a@example.com> SIZE=10")).startsWith("250");
        assertThat(c.command("RCPT TO:<b@example.org>")).startsWith("250");
        assertThat(c.command("RCPT TO:<c@example.org>")).startsWith("250");
        assertThat(seen.get())
                .isEqualTo("test client.example true 127.0.0.1 true a@example.com [b@example.org] {SIZE=10}");
    }

    // ------------------------------------------------------------------ the spool

    @Test
    void aFailedCommitIs451() {
        spool.failCommits(new IOException("disk on fire"));
        start();
        SmtpTestClient c = ehlo();
        assertThat(transaction(c, "a@example.com", "b@example.org", "hi\r\n"))
                .isEqualTo("451 4.3.0 Error: queue file write error");
        assertThat(c.command("NOOP")).startsWith("250");
        assertThat(mailLog).isEmpty();
    }

    @Test
    void aFullSpoolIs452() {
        spool.failCommits(new SpoolFullException("no room"));
        start();
        SmtpTestClient c = ehlo();
        assertThat(transaction(c, "a@example.com", "b@example.org", "hi\r\n"))
                .isEqualTo("452 4.3.1 Insufficient system storage");
        spool.full(true);
        openTransaction(c);
        assertThat(c.command("DATA")).isEqualTo("452 4.3.1 Insufficient system storage");
    }

    @Test
    void withoutASpoolDataAndBdatAreDeferred() {
        spoolService = null;
        start();
        SmtpTestClient c = ehlo();
        openTransaction(c);
        assertThat(c.command("DATA")).isEqualTo("451 4.3.0 Queue unavailable, try again later");
        openTransaction(c);
        c.send("BDAT 3\r\nabcBDAT 3 LAST\r\nxyz");
        assertThat(c.reply()).isEqualTo("451 4.3.0 Queue unavailable, try again later");
        assertThat(c.reply()).startsWith("503 5.5.1 Error: previous BDAT failed");
        spoolService = spool; // the spool bundle came back: no restart of the listener needed
        assertThat(transaction(c, "a@example.com", "b@example.org", "hi\r\n")).startsWith("250 2.0.0");
    }

    @Test
    void theReplyComesOnlyAfterTheCommit() {
        spool.holdCommits();
        start();
        SmtpTestClient c = ehlo();
        startData(c);
        c.send("hi\r\n.\r\nNOOP\r\n");
        await().atMost(5, SECONDS).until(() -> spool.commitsStarted() == 1);
        assertThat(c.silentFor(300)).isTrue();
        assertThat(spool.queued()).isEmpty();
        spool.releaseCommits();
        assertThat(c.reply()).isEqualTo("250 2.0.0 Ok: queued as T000001");
        assertThat(c.reply()).isEqualTo("250 2.0.0 Ok");
        assertThat(spool.queued()).hasSize(1);
    }

    // ------------------------------------------------------------------ life cycle

    @Test
    void stoppingSaysGoodbyeAndLetsAStartedCommitFinish() throws Exception {
        spool.holdCommits();
        start();
        SmtpTestClient idle = ehlo();
        SmtpTestClient sending = ehlo();
        startData(sending);
        sending.send("hi\r\n.\r\n");
        await().atMost(5, SECONDS).until(() -> spool.commitsStarted() == 1);
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(listener::stop);
        assertThat(idle.reply()).isEqualTo("421 4.3.2 " + HOST + " Service shutting down");
        assertThat(idle.closedByServer()).isTrue();
        spool.releaseCommits();
        assertThat(sending.reply()).isEqualTo("250 2.0.0 Ok: queued as T000001");
        assertThat(sending.reply()).isEqualTo("421 4.3.2 " + HOST + " Service shutting down");
        stopping.get(10, SECONDS);
        assertThat(spool.queued()).hasSize(1);
        listener = null;
    }

    @Test
    void stoppingDuringDataSays421AndQueuesNothing() throws Exception {
        start();
        SmtpTestClient c = ehlo();
        startData(c);
        c.send("Subject: half a message\r\n\r\nthe first line\r\n");
        assertThat(c.silentFor(100)).isTrue();

        int port = listener.localAddress().getPort();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(listener::stop);
        assertThat(c.reply()).isEqualTo("421 4.3.2 " + HOST + " Service shutting down");
        assertThat(c.closedByServer()).isTrue();
        stopping.get(10, SECONDS);
        assertThat(spool.queued()).isEmpty();
        assertThat(mailLog).noneMatch(l -> l.contains("received"));
        // nothing listens any more: the client will retry later
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                .isInstanceOf(IOException.class);
        listener = null;
    }

    @Test
    void countersFollowTheSessions() {
        filters.add(FilterEntry.of(
                rcptFilter(
                        "spam@example.org",
                        Verdict.reject(554, "5.7.1", "blocked").stage()),
                Map.of("karavel.filter.name", "dnsbl")));
        start();
        SmtpTestClient c = ehlo();
        assertThat(transaction(c, "a@example.com", "b@example.org", "hi\r\n")).startsWith("250 2.0.0");
        assertThat(c.command("MAIL FROM:<a@example.com>")).startsWith("250");
        assertThat(c.command("RCPT TO:<spam@example.org>")).startsWith("554 5.7.1");
        assertThat(c.command("MAIL FROM:<a@example.com> SIZE=999999999999")).startsWith("5");

        Map<String, Double> values = new HashMap<>();
        for (org.karavel.api.metrics.Metric m : listener.counters().metrics()) {
            for (org.karavel.api.metrics.Metric.Sample sample : m.samples()) {
                values.put(
                        m.name()
                                + sample.labels().entrySet().stream()
                                        .sorted(Map.Entry.comparingByKey())
                                        .map(e -> e.getKey() + "=" + e.getValue())
                                        .toList(),
                        sample.value());
            }
        }
        assertThat(values)
                .containsEntry("karavel_smtp_connections_total[listener=test]", 1.0)
                .containsEntry("karavel_smtp_connections[listener=test]", 1.0)
                .containsEntry("karavel_smtp_messages_received_total[listener=test]", 1.0)
                .containsEntry("karavel_smtp_rejected_total[listener=test, reason=dnsbl]", 1.0);
        assertThat(SmtpCounters.reason("END-OF-MESSAGE", Reply.of(552, "5.3.4", "too big")))
                .isEqualTo("size");
        assertThat(SmtpCounters.reason("RCPT", Reply.of(451, "4.3.0", "policy filter unavailable")))
                .isEqualTo("policy_unavailable");
        assertThat(SmtpCounters.label("Relay Policy")).isEqualTo("relay_policy");
    }

    @Test
    void aClientThatClosesItsSendingSideGetsEveryReply() {
        start();
        SmtpTestClient c = connect();
        c.send(
                "EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n");
        c.shutdownOutput();
        List<String> replies = c.replies(6);
        assertThat(replies.get(4)).startsWith("250 2.0.0 Ok: queued as");
        assertThat(replies.get(5)).isEqualTo("221 2.0.0 Bye");
        assertThat(spool.queued()).hasSize(1);
    }

    @Test
    void newSettingsApplyToNewSessions() {
        start();
        SmtpTestClient before = connect();
        listener.reconfigure(ListenerSettings.builder("new.test.example")
                .name("test")
                .address("127.0.0.1")
                .port(0)
                .maxMessageSize(5000)
                .build());
        SmtpTestClient after = open();
        assertThat(after.reply()).isEqualTo("220 new.test.example ESMTP Karavel");
        assertThat(after.command("EHLO x.example")).contains("SIZE 5000");
        assertThat(before.command("EHLO x.example")).contains("SIZE 36700160");
    }

    @Test
    void sessionsSeeTheCurrentFilterList() {
        start();
        SmtpTestClient c = ehlo();
        assertThat(c.command("MAIL FROM:<a@example.com>")).startsWith("250");
        SmtpFilter deny = rcptFilter(
                "b@example.org", Verdict.reject(550, "5.7.1", "Denied").stage());
        filters.add(FilterEntry.of(deny, Map.of(SmtpFilter.NAME, "deny", "service.ranking", 5, "service.id", 42L)));
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo("550 5.7.1 Denied");
        filters.remove(deny);
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo("250 2.1.5 Ok");
    }

    // ------------------------------------------------------------------ trust boundaries (issue 13)

    @Test
    void aStrangersMessageIsRecordedAsFromTheInternetAndARelayHostsAsFromARelayHost() {
        start();
        SmtpTestClient stranger = ehlo();
        assertThat(transaction(stranger, "ceo@example.org", "b@example.net", "From: <ceo@example.org>\r\n\r\nhi\r\n"))
                .startsWith("250 2.0.0 Ok: queued as ");
        assertThat(spool.only().envelope().origin()).isEqualTo(Origin.internet("127.0.0.1"));
        assertThat(spool.only().envelope().origin().originatesHere()).isFalse();

        // the relay policy marks the operator's own hosts at connect
        filters.add(FilterEntry.of(
                new SmtpFilter() {
                    @Override
                    public CompletionStage<Verdict> connect(SessionView session) {
                        session.attributes().put(SessionView.RELAY_CLIENT, Boolean.TRUE);
                        return Verdict.noOpinion().stage();
                    }
                },
                "relay",
                100));
        SmtpTestClient relayHost = ehlo();
        assertThat(transaction(relayHost, "app@example.org", "b@example.net", "From: <app@example.org>\r\n\r\nhi\r\n"))
                .startsWith("250 2.0.0 Ok: queued as ");
        assertThat(spool.queued().get(1).envelope().origin()).isEqualTo(Origin.relayHost("127.0.0.1"));
    }
}
