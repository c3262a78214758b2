package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.testkit.SmtpSink;

/** Local domains: Maildir (the embedded default) and LMTP. */
class LocalDeliveryTest {
    @TempDir
    Path dir;

    private Path root;
    private DeliveryFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        f.localDomains.add("local.test");
        root = dir.resolve("mail");
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void maildirDeliveryWritesIntoNewWithReturnPathAndDeliveredTo() throws Exception {
        String content = DeliveryFixture.message("maildir", "hello\r\n.dot stays single in a file\r\n");
        QueuedMessage m = f.queue("sender@sender.test", List.of("User+Tag@Local.Test", "other@local.test"), content);
        f.start(f.settings(25).maildirRoot(root).build());

        f.awaitRemoved(m.id());
        Path box = root.resolve("local.test").resolve("user");
        assertThat(box.resolve("cur")).isDirectory();
        assertThat(list(box.resolve("tmp"))).isEmpty();
        List<Path> files = list(box.resolve("new"));
        assertThat(files).hasSize(1);
        Path file = files.get(0);
        byte[] bytes = Files.readAllBytes(file);
        String expected = "Return-Path: <sender@sender.test>\r\nDelivered-To: User+Tag@Local.Test\r\n" + content;
        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(file.getFileName().toString())
                .matches("\\d+\\.M\\d+P\\d+Q" + m.id() + "_\\d+\\.karavel\\.test,S=" + bytes.length);

        Path other = root.resolve("local.test").resolve("other");
        assertThat(list(other.resolve("new"))).hasSize(1);
        assertThat(list(other.resolve("tmp"))).isEmpty();
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void nothingIsTakenForDeliveryWhileTheLocalDomainsAreUnknown() throws Exception {
        // the relay bundle (which knows the local domains) starting after delivery, or being swapped:
        // local mail must not go to the MX of its domain (here: none, so it would bounce)
        f.domainsKnown = false;
        QueuedMessage m =
                f.queue("sender@sender.test", List.of("user@local.test"), DeliveryFixture.message("early", "x\r\n"));
        f.start(f.settings(25).maildirRoot(root).build());

        await().during(Duration.ofMillis(600))
                .atMost(Duration.ofSeconds(5))
                .until(() -> f.spool.get(m.id()).isPresent()
                        && f.spool.get(m.id()).get().attempts() == 0
                        && f.dsns().isEmpty());

        f.domainsKnown = true;
        f.awaitRemoved(m.id());
        assertThat(list(root.resolve("local.test").resolve("user").resolve("new")))
                .hasSize(1);
        assertThat(f.dsns()).isEmpty();
    }

    @Test
    void unsafeLocalPartsBounceAndNothingIsWrittenOutsideTheRoot() throws Exception {
        QueuedMessage m = f.queue(
                "sender@sender.test",
                List.of(
                        "\"../../escape\"@local.test",
                        "a/b@local.test",
                        "+only-extension@local.test",
                        "fine@local.test"),
                DeliveryFixture.message("unsafe", "x\r\n"));
        f.start(f.settings(25).maildirRoot(root).build());

        f.awaitRemoved(m.id());
        try (Stream<Path> all = Files.walk(dir)) {
            assertThat(all.filter(Files::isRegularFile).toList())
                    .hasSize(1)
                    .allSatisfy(p -> assertThat(p)
                            .startsWith(
                                    root.resolve("local.test").resolve("fine").resolve("new")));
        }
        assertThat(f.dsns()).hasSize(1);
        List<Map<String, String>> groups = ParsedReport.groups(
                ParsedReport.parse(f.dsns().get(0).text()).parts.get(1).body());
        assertThat(groups.subList(1, groups.size()))
                .hasSize(3)
                .allSatisfy(g -> assertThat(g).containsEntry("status", "5.1.3").doesNotContainKey("remote-mta"));
    }

    @Test
    void mailboxPathsStayInsideTheRoot() {
        MaildirTransport t =
                new MaildirTransport(f.settings(25).maildirRoot(root).build(), f.spool, Clock.systemUTC());
        Path base = root.toAbsolutePath().normalize();
        assertThat(t.mailbox(DeliveryFixture.address("Joe+list@Local.Test"))).isEqualTo(base.resolve("local.test/joe"));
        assertThat(t.mailbox(DeliveryFixture.address("\"joe\"@local.test"))).isNull();
        assertThat(t.mailbox(DeliveryFixture.address("\"..\"@local.test"))).isNull();
        assertThat(t.mailbox(DeliveryFixture.address("x/y@local.test"))).isNull();
        assertThat(t.mailbox(DeliveryFixture.address("+x@local.test"))).isNull();
        assertThat(t.mailbox(DeliveryFixture.address("a.b@local.test"))).isEqualTo(base.resolve("local.test/a.b"));
    }

    @Test
    void withAnEmptyDelimiterTheExtensionIsKept() {
        MaildirTransport t = new MaildirTransport(
                f.settings(25).maildirRoot(root).recipientDelimiter("").build(), f.spool, Clock.systemUTC());
        assertThat(t.mailbox(DeliveryFixture.address("joe+list@local.test")))
                .isEqualTo(root.toAbsolutePath().normalize().resolve("local.test/joe+list"));
    }

    @Test
    void lmtpGivesOneReplyPerRecipient() throws Exception {
        try (SmtpSink lmtp = SmtpSink.startLmtp()) {
            lmtp.onLmtpRecipient(r -> r.startsWith("full@")
                    ? "452 4.2.2 <" + r + "> mailbox full"
                    : r.startsWith("gone@") ? "550 5.1.1 <" + r + "> no such mailbox" : "250 2.0.0 <" + r + "> saved");
            f.mx("example.test", 10, "mx1.example.test");
            QueuedMessage m = f.queue(
                    "sender@sender.test",
                    List.of("ok@local.test", "gone@local.test", "full@local.test"),
                    DeliveryFixture.message("lmtp", "x\r\n"));
            f.start(f.settings(25)
                    .localTransport("lmtp:127.0.0.1:" + lmtp.port())
                    .build());

            QueuedMessage after = f.awaitAttempts(m.id(), 1);
            assertThat(lmtp.messages()).hasSize(1);
            assertThat(lmtp.messages().get(0).helo()).isEqualTo("karavel.test");
            assertThat(lmtp.messages().get(0).recipients())
                    .containsExactly("ok@local.test", "gone@local.test", "full@local.test");
            assertThat(after.recipients())
                    .extracting(RecipientStatus::state)
                    .containsExactly(
                            RecipientStatus.State.DELIVERED,
                            RecipientStatus.State.BOUNCED,
                            RecipientStatus.State.PENDING);
            assertThat(after.recipients().get(2).lastReply()).isEqualTo("452 4.2.2 <full@local.test> mailbox full");
            assertThat(after.recipients().get(1).remoteHost()).isEqualTo("127.0.0.1");
            assertThat(f.dsns()).hasSize(1);
            Map<String, String> g = ParsedReport.groups(
                            ParsedReport.parse(f.dsns().get(0).text())
                                    .parts
                                    .get(1)
                                    .body())
                    .get(1);
            assertThat(g)
                    .containsEntry("final-recipient", "rfc822; gone@local.test")
                    .containsEntry("status", "5.1.1");
        }
    }

    @Test
    void localAndRemoteRecipientsOfOneMessageGoTheirOwnWays() throws Exception {
        try (SmtpSink sink = SmtpSink.start()) {
            f.mx("example.test", 10, "mx1.example.test");
            QueuedMessage m = f.queue(
                    "sender@sender.test",
                    List.of("me@local.test", "you@example.test"),
                    DeliveryFixture.message("split", "x\r\n"));
            f.start(f.settings(sink.port()).maildirRoot(root).build());

            f.awaitRemoved(m.id());
            assertThat(sink.messages()).hasSize(1);
            assertThat(sink.messages().get(0).recipients()).containsExactly("you@example.test");
            assertThat(list(root.resolve("local.test/me/new"))).hasSize(1);
        }
    }

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }
}
