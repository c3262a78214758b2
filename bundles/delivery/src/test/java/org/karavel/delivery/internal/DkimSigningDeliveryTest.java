package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.dkim.OutboundSigner;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.testkit.SmtpSink;

/** The DKIM hook: the signer's header fields go on top of every outbound SMTP transaction, never on local mail. */
class DkimSigningDeliveryTest {
    private DeliveryFixture f;
    private SmtpSink sink;
    private final List<String> signedContents = new CopyOnWriteArrayList<>();
    private final List<String> signingThreads = new CopyOnWriteArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();

    /** Signs with a fixed field that names the recipient count, and keeps what it was given to read. */
    private final OutboundSigner signer = new OutboundSigner() {
        @Override
        public String sign(Envelope envelope, InputStream content) throws IOException {
            calls.incrementAndGet();
            signingThreads.add(Thread.currentThread().getName());
            signedContents.add(new String(content.readAllBytes(), StandardCharsets.UTF_8));
            return "DKIM-Signature: v=1; a=rsa-sha256; d=sender.test; s=test;\r\n\tb=fake"
                    + envelope.recipients().size() + "\r\n";
        }
    };

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture();
        sink = SmtpSink.start();
        f.mx("remote.test", 10, "mx1.remote.test");
        f.signer = signer;
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
        sink.close();
    }

    @Test
    void theSignatureGoesOnTopOfTheContentAndSizeCountsIt() throws Exception {
        String content = DeliveryFixture.message("signed", ".dot line\r\nbody\r\n");
        QueuedMessage m = f.queue("sender@sender.test", List.of("a@remote.test", "b@remote.test"), content);

        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        String signature = "DKIM-Signature: v=1; a=rsa-sha256; d=sender.test; s=test;\r\n\tb=fake2\r\n";
        assertThat(sink.messages()).hasSize(1);
        assertThat(sink.messages().get(0).contentAsString()).isEqualTo(signature + content);
        assertThat(calls.get()).isEqualTo(1);
        assertThat(signedContents).containsExactly(content);
        assertThat(signingThreads.get(0)).startsWith("karavel-delivery-");
    }

    @Test
    void oneSignaturePerTransaction() throws Exception {
        QueuedMessage a =
                f.queue("sender@sender.test", List.of("a@remote.test"), DeliveryFixture.message("one", "1\r\n"));
        QueuedMessage b =
                f.queue("sender@sender.test", List.of("b@remote.test"), DeliveryFixture.message("two", "2\r\n"));

        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(a.id());
        f.awaitRemoved(b.id());
        assertThat(calls.get()).isEqualTo(2);
        assertThat(sink.messages())
                .allSatisfy(mail -> assertThat(mail.contentAsString()).startsWith("DKIM-Signature: "));
    }

    @Test
    void aSignerThatCannotReadTheContentDefersLikeAQueueFileError() throws Exception {
        f.signer = (envelope, content) -> {
            throw new IOException("disk on fire");
        };
        QueuedMessage m =
                f.queue("sender@sender.test", List.of("a@remote.test"), DeliveryFixture.message("x", "x\r\n"));

        f.start(f.settings(sink.port()).build());

        QueuedMessage after = f.awaitAttempts(m.id(), 1);
        assertThat(after.recipients().get(0).isPending()).isTrue();
        assertThat(after.recipients().get(0).lastReply())
                .isEqualTo("451 4.3.0 queue file read error while signing: disk on fire");
        assertThat(sink.transactions()).isZero();
    }

    @Test
    void anEmptySignatureSendsTheMessageUnchanged() throws Exception {
        f.signer = (envelope, content) -> "";
        String content = DeliveryFixture.message("unsigned", "u\r\n");
        QueuedMessage m = f.queue("sender@sender.test", List.of("a@remote.test"), content);

        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        assertThat(sink.messages().get(0).contentAsString()).isEqualTo(content);
    }

    @Test
    void localDeliveryIsNeverSigned(@TempDir Path root) throws Exception {
        f.localDomains.add("local.test");
        QueuedMessage m =
                f.queue("sender@sender.test", List.of("user@local.test"), DeliveryFixture.message("local", "l\r\n"));

        f.start(f.settings(25).maildirRoot(root).build());

        f.awaitRemoved(m.id());
        assertThat(calls.get()).isZero();
        try (var files = Files.walk(root)) {
            assertThat(files.filter(Files::isRegularFile).toList())
                    .singleElement()
                    .satisfies(p -> assertThat(Files.readString(p)).doesNotContain("DKIM-Signature"));
        }
    }

    @Test
    void mailFromTheInternetIsNeverSignedWhateverItsFromSays() throws Exception {
        String content = DeliveryFixture.message("from a stranger", "s\r\n"); // From: sender@sender.test
        Envelope e = DeliveryFixture.envelope("sender@sender.test", List.of("a@remote.test"), Instant.now(), Map.of());
        QueuedMessage m = f.spool.queue(
                new Envelope(
                        e.sender(),
                        e.recipients(),
                        e.mailParameters(),
                        e.receivedAt(),
                        "192.0.2.7",
                        "stranger.test",
                        "mx",
                        "",
                        Origin.internet("192.0.2.7")),
                content);
        QueuedMessage ours =
                f.queue("sender@sender.test", List.of("b@remote.test"), DeliveryFixture.message("ours", "o\r\n"));

        f.start(f.settings(sink.port()).build());

        f.awaitRemoved(m.id());
        f.awaitRemoved(ours.id());
        assertThat(calls.get()).isEqualTo(1); // only the relay host's message was given to the signer
        assertThat(sink.messages())
                .filteredOn(mail -> mail.recipients().contains("a@remote.test"))
                .singleElement()
                .satisfies(mail -> assertThat(mail.contentAsString()).isEqualTo(content));
        assertThat(sink.messages())
                .filteredOn(mail -> mail.recipients().contains("b@remote.test"))
                .singleElement()
                .satisfies(mail -> assertThat(mail.contentAsString()).startsWith("DKIM-Signature: "));
    }
}
