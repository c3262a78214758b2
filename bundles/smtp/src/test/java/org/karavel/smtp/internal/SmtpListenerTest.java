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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
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

/** The listener over real sockets on 127.0.0.1, with an in-memory spool and in-test filters. */
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

    /** Content with a fake end of data followed by a whole transaction, then the real end and a NOOP. */
    private static void sendWithSmuggledCommands(SmtpTestClient c, String fakeEnd) {
        c.send("Subject: x\r\n\r\nhello" + fakeEnd
                + "MAIL FROM:<evil@attacker.example>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nsmuggled\r\n"
                + "\r\n.\r\nNOOP\r\n");
    }

    /** The stored content without the Received header Karavel put on top. */
    private static String withoutReceived(String content) {
        assertThat(content).startsWith("Received: ");
        int i = content.indexOf("\r\n");
        while (i + 2 < content.length() && content.charAt(i + 2) == '\t') {
            i = content.indexOf("\r\n", i + 2);
        }
        return content.substring(i + 2);
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

    // ------------------------------------------------------------------ sequence and syntax

    @Test
    void everySequenceErrorIs503() {
        start();
        SmtpTestClient c = connect();
        assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo("503 5.5.1 Error: send HELO/EHLO first");
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo("503 5.5.1 Error: need MAIL command");
        assertThat(c.command("DATA")).startsWith("503 5.5.1");
        assertThat(c.command("EHLO client.example")).startsWith("250-");
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo("503 5.5.1 Error: need MAIL command");
        assertThat(c.command("DATA")).isEqualTo("503 5.5.1 Error: need MAIL command");
        assertThat(c.command("MAIL FROM:<a@example.com>")).startsWith("250 2.1.0");
        assertThat(c.command("DATA")).isEqualTo("503 5.5.1 Error: need RCPT command");
        assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo("503 5.5.1 Error: nested MAIL command");
        assertThat(c.command("RSET")).isEqualTo("250 2.0.0 Ok");
        assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo("503 5.5.1 Error: need MAIL command");
        assertThat(spool.queued()).isEmpty();
    }

    @Test
    void syntaxErrorsGetTheirOwnCodes() {
        start(b -> b.maxErrors(100));
        SmtpTestClient c = connect();
        assertThat(c.command("EHLO")).isEqualTo("501 5.5.4 Syntax: EHLO hostname");
        assertThat(c.command("HELO two words")).isEqualTo("501 5.5.4 Syntax: HELO hostname");
        assertThat(c.command("XYZZY")).isEqualTo("500 5.5.2 Error: command not recognized");
        assertThat(c.command("")).isEqualTo("500 5.5.2 Error: command not recognized");
        assertThat(c.command("ehlo client.example")).startsWith("250-"); // verbs are case-insensitive
        assertThat(c.command("MAIL")).isEqualTo("501 5.5.4 Syntax: MAIL FROM:<address>");
        assertThat(c.command("MAIL TO:<a@example.com>")).isEqualTo("501 5.5.4 Syntax: MAIL FROM:<address>");
        assertThat(c.command("MAIL FROM:a@example.com")).isEqualTo("501 5.1.7 Bad sender address syntax");
        assertThat(c.command("MAIL FROM:<a@@example.com>")).isEqualTo("501 5.1.7 Bad sender address syntax");
        assertThat(c.command("MAIL FROM:<a@example.com> FOO=bar")).isEqualTo("555 5.5.4 Unsupported parameter FOO");
        assertThat(c.command("MAIL FROM:<a@example.com> BODY=BINARYMIME")).startsWith("555 5.5.4");
        assertThat(c.command("MAIL FROM:<a@example.com> RET=FULL")).isEqualTo("555 5.5.4 Unsupported parameter RET");
        assertThat(c.command("MAIL FROM:<a@example.com> BODY=9BIT")).isEqualTo("501 5.5.4 Bad BODY parameter");
        assertThat(c.command("MAIL FROM:<a@example.com> SIZE=abc")).isEqualTo("501 5.5.4 Bad SIZE parameter");
        assertThat(c.command("mail from: <a@example.com> BODY=8BITMIME")).isEqualTo("250 2.1.0 Ok");
        assertThat(c.command("RCPT")).isEqualTo("501 5.5.4 Syntax: RCPT TO:<address>");
        assertThat(c.command("RCPT TO:")).isEqualTo("501 5.1.3 Bad recipient address syntax");
        assertThat(c.command("RCPT TO:<>")).isEqualTo("501 5.1.3 Bad recipient address syntax");
        assertThat(c.command("RCPT TO:<b@exa_mple.org>")).isEqualTo("501 5.1.3 Bad recipient address syntax");
        assertThat(c.command("RCPT TO:<b@example.org> NOTIFY=NEVER"))
                .isEqualTo("555 5.5.4 Unsupported parameter NOTIFY");
        assertThat(c.command("RCPT TO:<@relay.example:b@example.org>")).isEqualTo("250 2.1.5 Ok");
        assertThat(c.command("DATA now")).isEqualTo("501 5.5.4 Syntax: DATA");
        assertThat(c.command("VRFY bob"))
                .isEqualTo("252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery");
        assertThat(c.command("EXPN staff")).isEqualTo("502 5.5.1 Error: command not implemented");
        assertThat(c.command("HELP")).startsWith("214 2.0.0 ");
        assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        assertThat(data(c, "x\r\n")).startsWith("250 2.0.0 Ok: queued as");
        // the source route was dropped, BODY kept for delivery
        Envelope e = spool.only().message().envelope();
        assertThat(e.recipients()).extracting(MailAddress::toString).containsExactly("b@example.org");
        assertThat(e.mailParameters()).containsEntry("BODY", "8BITMIME");
    }

    @Test
    void postmasterWithoutDomainIsAcceptedAsOurs() {
        start();
        SmtpTestClient c = ehlo();
        assertThat(c.command("MAIL FROM:<a@example.com>")).startsWith("250");
        assertThat(c.command("RCPT TO:<Postmaster>")).isEqualTo("250 2.1.5 Ok");
        assertThat(data(c, "hi\r\n")).startsWith("250 2.0.0");
        assertThat(spool.only().message().envelope().recipients())
                .extracting(MailAddress::toString)
                .containsExactly("postmaster@" + HOST);
    }

    @Test
    void commandLinesEndWithCrlfUnlessNormalizing() {
        start();
        SmtpTestClient c = connect();
        assertThat(c.send("NOOP\n").reply()).isEqualTo("500 5.5.2 Error: command line must end with CRLF");
        assertThat(c.send("NO\rOP\r\n").reply()).startsWith("500 5.5.2");
        assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        listener.stop();

        start(b -> b.normalizeBareLineEndings(true));
        SmtpTestClient n = connect();
        assertThat(n.send("NOOP\n").reply()).isEqualTo("250 2.0.0 Ok");
    }

    @Test
    void httpRequestsAreTurnedAway() {
        start();
        SmtpTestClient c = connect();
        assertThat(c.command("GET / HTTP/1.1")).isEqualTo("421 4.7.0 " + HOST + " Error: command not allowed");
        assertThat(c.closedByServer()).isTrue();
    }

    // ------------------------------------------------------------------ pipelining

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
        assertThat(withoutReceived(spool.queued().get(1).text())).isEqualTo("Subject: two\r\n\r\nsecond\r\n");
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

    // ------------------------------------------------------------------ DATA

    @Test
    void dotStuffingIsUndone() {
        start();
        SmtpTestClient c = ehlo();
        String reply = transaction(
                c,
                "a@example.com",
                "b@example.org",
                "Subject: dots\r\n\r\n..leading dot\r\n...two dots\r\n..\r\nmiddle . dot\r\n.x\r\n");
        assertThat(reply).startsWith("250 2.0.0 Ok: queued as");
        assertThat(withoutReceived(spool.only().text()))
                .isEqualTo("Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nmiddle . dot\r\nx\r\n");
    }

    @Test
    void anEmptyMessageIsAcceptedWithItsReceivedHeader() {
        start();
        SmtpTestClient c = ehlo();
        assertThat(transaction(c, "a@example.com", "b@example.org", "")).startsWith("250 2.0.0");
        assertThat(withoutReceived(spool.only().text())).isEmpty();
    }

    /** SMTP smuggling: each fake end of data, followed by commands that must stay content. */
    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\n.\r\n", "\r.\r", "\r\n.\n", "\r.\r\n", "\n.\r", "\r\n.\r", "\r\n.\rX\r\n.\r"})
    void smuggledEndOfDataIsRefusedWithPolicyReject(String fakeEnd) {
        start();
        SmtpTestClient c = ehlo();
        startData(c);
        sendWithSmuggledCommands(c, fakeEnd);
        assertThat(c.reply()).isEqualTo("550 5.5.2 Message contains bare CR or LF");
        assertThat(c.reply()).isEqualTo("250 2.0.0 Ok"); // the NOOP: the smuggled commands were content
        assertThat(c.command("RCPT TO:<x@example.org>")).startsWith("503 5.5.1"); // no transaction left
        assertThat(spool.queued()).isEmpty();
        assertThat(spool.aborted()).hasSize(1);
        assertThat(mailLog)
                .containsExactly("T000001: reject stage=END-OF-MESSAGE from=<a@example.com> to=<b@example.org> "
                        + "client=[127.0.0.1] helo=<client.example> (550 5.5.2 Message contains bare CR or LF)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\n.\r\n", "\r.\r", "\r\n.\n", "\r.\r\n", "\n.\r"})
    void smuggledEndOfDataIsContentWithPolicyNormalize(String fakeEnd) {
        start(b -> b.normalizeBareLineEndings(true));
        SmtpTestClient c = ehlo();
        startData(c);
        sendWithSmuggledCommands(c, fakeEnd);
        assertThat(c.reply()).startsWith("250 2.0.0 Ok: queued as T000001");
        assertThat(c.reply()).isEqualTo("250 2.0.0 Ok");
        String content = withoutReceived(spool.only().text());
        assertThat(content).contains("MAIL FROM:<evil@attacker.example>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\n");
        assertThat(content.replace("\r\n", "")).doesNotContain("\r").doesNotContain("\n");
        assertThat(spool.only().message().envelope().recipients())
                .extracting(MailAddress::toString)
                .containsExactly("b@example.org");
    }

    @Test
    void overSizeDataIsReadToTheEndAndRefused() {
        start(b -> b.maxMessageSize(1000));
        SmtpTestClient c = ehlo();
        String big = ("x".repeat(99) + "\r\n").repeat(20); // 2020 octets
        assertThat(transaction(c, "a@example.com", "b@example.org", big))
                .isEqualTo("552 5.3.4 Message size exceeds fixed maximum message size");
        assertThat(spool.queued()).isEmpty();
        assertThat(spool.aborted()).hasSize(1);
        assertThat(transaction(c, "a@example.com", "b@example.org", "small\r\n"))
                .startsWith("250 2.0.0");
    }

    @Test
    void sizeParameterOverTheLimitIsRefusedAtMail() {
        start(b -> b.maxMessageSize(1000));
        SmtpTestClient c = connect();
        assertThat(c.command("EHLO client.example")).contains("250-SIZE 1000");
        assertThat(c.command("MAIL FROM:<a@example.com> SIZE=1001"))
                .isEqualTo("552 5.3.4 Message size exceeds fixed maximum message size");
        assertThat(c.command("MAIL FROM:<a@example.com> SIZE=99999999999999999999"))
                .startsWith("552 5.3.4");
        assertThat(c.command("MAIL FROM:<a@example.com> SIZE=1000")).isEqualTo("250 2.1.0 Ok");
    }

    @Test
    void tooLongDataLineRefusesTheMessage() {
        start(b -> b.maxDataLine(1000));
        SmtpTestClient c = ehlo();
        assertThat(transaction(c, "a@example.com", "b@example.org", "ok\r\n" + "y".repeat(1001) + "\r\nmore\r\n"))
                .isEqualTo("552 5.3.4 Message line too long");
        assertThat(spool.queued()).isEmpty();
        assertThat(transaction(c, "a@example.com", "b@example.org", "y".repeat(1000) + "\r\n"))
                .startsWith("250 2.0.0");
    }

    @Test
    void tooManyRecipientsGet452() {
        start(b -> b.maxRecipients(3));
        SmtpTestClient c = ehlo();
        assertThat(c.command("MAIL FROM:<a@example.com>")).startsWith("250");
        for (int i = 1; i <= 3; i++) {
            assertThat(c.command("RCPT TO:<r" + i + "@example.org>")).isEqualTo("250 2.1.5 Ok");
        }
        assertThat(c.command("RCPT TO:<r4@example.org>")).isEqualTo("452 4.5.3 Too many recipients");
        assertThat(data(c, "hi\r\n")).startsWith("250 2.0.0");
        assertThat(spool.only().message().envelope().recipients()).hasSize(3);
    }

    @Test
    void tooLongCommandLineIsRefusedAndTheSessionGoesOn() {
        start(b -> b.maxCommandLine(512));
        SmtpTestClient c = connect();
        assertThat(c.command("NOOP " + "x".repeat(600))).isEqualTo("500 5.5.2 Line too long");
        assertThat(c.command("NOOP " + "x".repeat(505))).isEqualTo("250 2.0.0 Ok"); // 512 octets with CRLF
        assertThat(c.command("NOOP " + "x".repeat(506))).isEqualTo("500 5.5.2 Line too long"); // 513
        assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
    }

    // ------------------------------------------------------------------ BDAT

    @Test
    void bdatChunksMakeOneMessage() {
        start();
        SmtpTestClient c = ehlo();
        openTransaction(c);
        String first = "Subject: chunks\r\n\r\n..not unstuffed\r\n";
        assertThat(c.send("BDAT " + first.length() + "\r\n" + first).reply())
                .isEqualTo("250 2.0.0 Ok: " + first.length() + " octets received");
        assertThat(c.send("BDAT 4\r\nlast").reply()).startsWith("250 2.0.0 Ok: 4 octets");
        assertThat(c.command("BDAT 0 LAST")).isEqualTo("250 2.0.0 Ok: queued as T000001");
        // no dot-unstuffing in BDAT; a missing final CRLF is added
        assertThat(withoutReceived(spool.only().text())).isEqualTo(first + "last\r\n");
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
        assertThat(withoutReceived(spool.only().text())).isEqualTo(content);
    }

    @Test
    void bdatAndDataDoNotMix() {
        start();
        SmtpTestClient c = ehlo();
        openTransaction(c);
        assertThat(c.send("BDAT 7\r\nhello\r\n").reply()).isEqualTo("250 2.0.0 Ok: 7 octets received");
        assertThat(c.command("DATA")).isEqualTo("503 5.5.1 Error: DATA cannot follow BDAT in one transaction");
        assertThat(c.command("BDAT 0 LAST")).startsWith("250 2.0.0 Ok: queued as");
        assertThat(withoutReceived(spool.only().text())).isEqualTo("hello\r\n");
    }

    @Test
    void bareLineEndingsInBdatRefuseTheMessage() {
        start();
        SmtpTestClient c = ehlo();
        openTransaction(c);
        c.send("BDAT 6\r\nhello\nBDAT 4 LAST\r\nbye\nNOOP\r\n");
        assertThat(c.reply()).isEqualTo("550 5.5.2 Message contains bare CR or LF");
        assertThat(c.reply()).startsWith("503 5.5.1 Error: previous BDAT failed");
        assertThat(c.reply()).isEqualTo("250 2.0.0 Ok");
        assertThat(spool.queued()).isEmpty();
    }

    @Test
    void bdatOutOfSequenceIsReadAndRefused() {
        start();
        SmtpTestClient c = ehlo();
        // the 5 octets are consumed, so "NOOP" after them is a command again
        assertThat(c.send("BDAT 5\r\nRSET\n").reply()).isEqualTo("503 5.5.1 Error: need MAIL command");
        assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        assertThat(c.command("BDAT x")).isEqualTo("501 5.5.4 Syntax: BDAT size [LAST]");
        SmtpTestClient h = connect();
        assertThat(h.command("HELO old.example")).startsWith("250");
        openTransaction(h);
        assertThat(h.send("BDAT 3 LAST\r\nabc").reply()).isEqualTo("503 5.5.1 Error: BDAT needs EHLO");
    }

    @Test
    void bdatOverTheSizeLimitFailsAndLaterChunksAreDiscarded() {
        start(b -> b.maxMessageSize(1000));
        SmtpTestClient c = ehlo();
        openTransaction(c);
        String chunk = ("z".repeat(98) + "\r\n").repeat(15);
        c.send("BDAT " + chunk.length() + "\r\n" + chunk + "BDAT 3\r\nabcBDAT 3 LAST\r\nxyzNOOP\r\n");
        assertThat(c.reply()).isEqualTo("552 5.3.4 Message size exceeds fixed maximum message size");
        assertThat(c.reply()).isEqualTo("503 5.5.1 Error: previous BDAT failed; chunk discarded");
        assertThat(c.reply()).isEqualTo("503 5.5.1 Error: previous BDAT failed; chunk discarded");
        assertThat(c.reply()).isEqualTo("250 2.0.0 Ok");
        assertThat(spool.queued()).isEmpty();
    }

    @Test
    void bareLineEndingsInBdatAreNormalizedWhenConfigured() {
        start(b -> b.normalizeBareLineEndings(true));
        SmtpTestClient c = ehlo();
        openTransaction(c);
        String content = "a\nb\rc\r\n.\nd\r";
        assertThat(c.send("BDAT " + content.length() + " LAST\r\n" + content).reply())
                .startsWith("250 2.0.0 Ok: queued");
        assertThat(withoutReceived(spool.only().text())).isEqualTo("a\r\nb\r\nc\r\n.\r\nd\r\n");
    }

    // ------------------------------------------------------------------ limits and timeouts

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

    @Test
    void tooManyErrorsCloseTheSession() {
        start(b -> b.maxErrors(3));
        SmtpTestClient c = connect();
        c.send("FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n");
        assertThat(c.replies(4))
                .containsExactly(
                        "500 5.5.2 Error: command not recognized",
                        "500 5.5.2 Error: command not recognized",
                        "500 5.5.2 Error: command not recognized",
                        "421 4.7.0 " + HOST + " Error: too many errors");
        assertThat(c.closedByServer()).isTrue();
    }

    // ------------------------------------------------------------------ SMTPUTF8

    @Test
    void nonAsciiAddressesNeedSmtputf8() {
        start();
        SmtpTestClient c = ehlo();
        assertThat(c.command("MAIL FROM:<jörg@exämple.de>"))
                .isEqualTo("553 5.6.7 Non-ASCII sender address needs SMTPUTF8");
        assertThat(c.command("MAIL FROM:<a@example.com>")).startsWith("250");
        assertThat(c.command("RCPT TO:<bøb@example.org>")).startsWith("553 5.6.7");
        assertThat(c.command("RSET")).startsWith("250");
        assertThat(c.command("MAIL FROM:<a@example.com> SMTPUTF8=yes")).isEqualTo("501 5.5.4 SMTPUTF8 takes no value");
        assertThat(c.command("MAIL FROM:<jörg@exämple.de> SMTPUTF8")).isEqualTo("250 2.1.0 Ok");
        assertThat(c.command("RCPT TO:<bøb@example.org>")).isEqualTo("250 2.1.5 Ok");
        assertThat(data(c, "Subject: grüße\r\n\r\nhi\r\n")).startsWith("250 2.0.0");
        MemorySpool.Queued stored = spool.only();
        assertThat(stored.text()).contains(" with UTF8SMTP id ").contains("for <bøb@example.org>");
        assertThat(stored.message().envelope().mailParameters()).containsKey("SMTPUTF8");
        assertThat(stored.message().envelope().sender().toString()).isEqualTo("jörg@exämple.de");

        SmtpTestClient h = connect();
        assertThat(h.command("HELO old.example")).startsWith("250");
        assertThat(h.command("MAIL FROM:<a@example.com> SMTPUTF8")).startsWith("555 5.5.4");
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

    @Test
    void aHeaderSectionOver64KiBIsRefusedRatherThanHalfRead() {
        start();
        SmtpTestClient c = ehlo();
        StringBuilder header = new StringBuilder();
        while (header.length() < HeaderBlock.MAX + 100) {
            header.append("X-Filler: ").append("f".repeat(60)).append("\r\n");
        }
        header.append("Authentication-Results: ").append(HOST).append("; dkim=pass header.d=example.org\r\n");
        assertThat(transaction(c, "a@example.com", "b@example.org", header + "\r\nbody\r\n"))
                .isEqualTo("552 5.6.0 Header section exceeds 65536 octets");
        assertThat(spool.queued()).isEmpty();
        assertThat(mailLog)
                .anyMatch(
                        l -> l.matches(".*: reject stage=END-OF-MESSAGE .* client=\\[127.0.0.1\\] .*\\(552 5.6.0 .*"));
        // a big message whose header is short is fine
        assertThat(transaction(c, "a@example.com", "b@example.org", "Subject: big\r\n\r\n" + header))
                .startsWith("250 2.0.0 Ok: queued as ");
    }
}
