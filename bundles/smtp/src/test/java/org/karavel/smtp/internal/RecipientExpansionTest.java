package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.recipient.Expansion;
import org.karavel.api.recipient.RecipientExpansion;
import org.karavel.testkit.MemorySpool;

/** The spool gets the recipients after virtual alias expansion; a failed expansion is a 451 at end of data. */
class RecipientExpansionTest {
    private final MemorySpool spool = new MemorySpool().commitOnSpoolThread();
    private final List<String> mailLog = new CopyOnWriteArrayList<>();
    private final List<SmtpTestClient> clients = new ArrayList<>();
    private SmtpListener listener;

    /** sales@ goes to alice and a partner; alice maps to herself and a copy; loop@ fails. */
    private static final RecipientExpansion ALIASES = r -> {
        switch (r.localPart()) {
            case "sales":
                return Expansion.alias(List.of(address("alice@example.org"), address("partner@remote.example")));
            case "alice":
                return Expansion.alias(List.of(address("alice@example.org"), address("copy@remote.example")));
            case "loop":
                return Expansion.failed(
                        "etc/karavel.aliases: alias loop loop@example.org -> x@example.org -> loop@example.org");
            default:
                return Expansion.unknown(r);
        }
    };

    private static MailAddress address(String a) {
        try {
            return MailAddress.parse(a);
        } catch (AddressSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private SmtpTestClient start(RecipientExpansion expansion) throws Exception {
        listener = new SmtpListener(
                ListenerSettings.builder("mx.test.example")
                        .name("test")
                        .address("127.0.0.1")
                        .port(0)
                        .build(),
                () -> spool,
                new FilterChain(),
                new MailLog(mailLog::add));
        listener.recipientExpansion(() -> expansion);
        listener.start();
        SmtpTestClient c = new SmtpTestClient(listener.localAddress());
        clients.add(c);
        assertThat(c.reply()).startsWith("220 ");
        assertThat(c.command("EHLO client.example")).startsWith("250-");
        return c;
    }

    @AfterEach
    void tearDown() {
        SmtpTestDialogue.hangUp(clients, listener, spool);
    }

    @Test
    void theSpoolGetsTheExpandedRecipientsOnce() throws Exception {
        SmtpTestClient c = start(ALIASES);
        assertThat(c.command("MAIL FROM:<s@sender.example>")).startsWith("250");
        assertThat(c.command("RCPT TO:<sales@example.org>")).startsWith("250");
        assertThat(c.command("RCPT TO:<alice@example.org>")).startsWith("250");
        assertThat(c.command("RCPT TO:<bob@example.org>")).startsWith("250");
        assertThat(c.command("DATA")).startsWith("354");
        assertThat(c.send("Subject: x\r\n\r\nhi\r\n.\r\n").reply()).startsWith("250 2.0.0 Ok: queued as ");
        assertThat(spool.only().message().envelope().recipients())
                .extracting(MailAddress::toString)
                .containsExactly(
                        "alice@example.org", "partner@remote.example", "copy@remote.example", "bob@example.org");
        assertThat(spool.only().message().envelope().sender()).hasToString("s@sender.example");
        assertThat(mailLog.get(0)).contains("nrcpt=4");
    }

    @Test
    void aFailedExpansionIsRefusedAtEndOfDataAndNothingIsQueued() throws Exception {
        SmtpTestClient c = start(ALIASES);
        String reply =
                SmtpTestDialogue.transaction(c, "s@sender.example", "loop@example.org", "Subject: x\r\n\r\nhi\r\n");
        assertThat(reply).isEqualTo("451 4.6.0 Alias expansion error");
        assertThat(spool.list()).isEmpty();
        // the session goes on
        assertThat(SmtpTestDialogue.transaction(c, "s@sender.example", "bob@example.org", "Subject: y\r\n\r\nhi\r\n"))
                .startsWith("250 2.0.0");
    }

    @Test
    void withoutTheServiceRecipientsAreQueuedAsGiven() throws Exception {
        SmtpTestClient c = start(null);
        assertThat(SmtpTestDialogue.transaction(c, "s@sender.example", "sales@example.org", "Subject: x\r\n\r\nhi\r\n"))
                .startsWith("250 2.0.0");
        assertThat(spool.only().message().envelope().recipients())
                .extracting(MailAddress::toString)
                .containsExactly("sales@example.org");
    }
}
