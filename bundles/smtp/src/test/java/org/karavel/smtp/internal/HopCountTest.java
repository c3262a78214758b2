package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.karavel.testkit.MemorySpool;

/** A message that has passed too many MTAs is a loop: refused at end of data (Postfix's hopcount_limit). */
class HopCountTest {
    private static final String HOST = "mx.test.example";

    private final MemorySpool spool = new MemorySpool();
    private final List<String> mailLog = new CopyOnWriteArrayList<>();
    private final List<SmtpTestClient> clients = new ArrayList<>();
    private SmtpListener listener;

    @AfterEach
    void tearDown() {
        SmtpTestDialogue.hangUp(clients, listener, spool);
    }

    private SmtpTestClient ehlo(UnaryOperator<ListenerSettings.Builder> custom) throws IOException {
        listener = new SmtpListener(
                custom.apply(ListenerSettings.builder(HOST)
                                .name("test")
                                .address("127.0.0.1")
                                .port(0))
                        .build(),
                () -> spool,
                new FilterChain(),
                new MailLog(mailLog::add));
        listener.start();
        SmtpTestClient c = new SmtpTestClient(listener.localAddress());
        clients.add(c);
        assertThat(c.reply()).startsWith("220 ");
        assertThat(c.command("EHLO client.example")).startsWith("250-");
        return c;
    }

    /** A message with this many Received: fields (folded, as MTAs write them) and a few others. */
    private static String withHops(int hops) {
        StringBuilder b = new StringBuilder();
        for (int i = hops; i > 0; i--) {
            b.append("Received: from hop")
                    .append(i)
                    .append(".example (hop")
                    .append(i)
                    .append(".example [192.0.2.")
                    .append(i)
                    .append("])\r\n\tby hop")
                    .append(i + 1)
                    .append(".example with ESMTP id ")
                    .append(1000 + i)
                    .append("; Mon, 7 Dec 2026 07:00:00 +0000\r\n");
        }
        return b.append("From: a@example.org\r\nTo: b@example.org\r\nSubject: round and round\r\n\r\nHello.\r\n")
                .toString();
    }

    @Test
    void fiftyHopsAreAcceptedAndFiftyOneRefused() throws IOException {
        SmtpTestClient c = ehlo(b -> b);
        assertThat(SmtpTestDialogue.transaction(c, "a@example.org", "b@example.org", withHops(50)))
                .startsWith("250 2.0.0 Ok: queued as ");
        assertThat(SmtpTestDialogue.transaction(c, "a@example.org", "b@example.org", withHops(51)))
                .isEqualTo("554 5.4.6 Too many hops");
        assertThat(spool.queued()).hasSize(1);
        assertThat(mailLog).anySatisfy(l -> assertThat(l).contains("554 5.4.6 Too many hops"));
        // the session goes on
        assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        assertThat(counted()).isEqualTo(1.0);
    }

    @Test
    void theLimitIsTheListenersAndCountsReceivedInAnyCase() throws IOException {
        SmtpTestClient c = ehlo(b -> b.hopcountLimit(2));
        assertThat(SmtpTestDialogue.transaction(c, "a@example.org", "b@example.org", withHops(2)))
                .startsWith("250 2.0.0 ");
        assertThat(SmtpTestDialogue.transaction(
                        c,
                        "a@example.org",
                        "b@example.org",
                        "received: from a\r\nRECEIVED: from b\r\nReceived: from c\r\n\r\nx\r\n"))
                .isEqualTo("554 5.4.6 Too many hops");
    }

    @Test
    void bdatIsCountedToo() throws IOException {
        SmtpTestClient c = ehlo(b -> b.hopcountLimit(50));
        byte[] content = withHops(51).getBytes(StandardCharsets.US_ASCII);
        assertThat(c.command("MAIL FROM:<a@example.org>")).startsWith("250 ");
        assertThat(c.command("RCPT TO:<b@example.org>")).startsWith("250 ");
        c.send("BDAT " + content.length + " LAST\r\n");
        c.sendBytes(content);
        assertThat(c.reply()).isEqualTo("554 5.4.6 Too many hops");
        assertThat(spool.queued()).isEmpty();
    }

    private double counted() {
        return listener.counters().metrics().stream()
                .filter(m -> m.name().equals("karavel_smtp_rejected_total"))
                .flatMap(m -> m.samples().stream())
                .filter(x -> "hopcount".equals(x.labels().get("reason")))
                .mapToDouble(x -> x.value())
                .sum();
    }
}
