package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.DummySession;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;

/**
 * Coverage-guided fuzzing of the SMTP command parser and session state machine. The session
 * runs in process on a MINA {@link DummySession} (no socket, no threads): with no filters and a
 * spool that commits at once, every step completes inline, so one input is one deterministic
 * conversation. Invariants: the session never hits its "internal error" path (an unexpected
 * exception), every reply is a well-formed SMTP reply line, and no message draft is left open.
 *
 * <p>Input: the first octet sets how many octets arrive per read (1 to 128), the rest is what
 * the client sends, then it shuts down its side. Seeds in SmtpSessionFuzzTestInputs/conversation.
 */
class SmtpSessionFuzzTest {
    private static final ListenerSettings SETTINGS = ListenerSettings.builder("mx.fuzz.example").name("fuzz")
            .address("127.0.0.1").port(0).maxMessageSize(4096).maxRecipients(5).maxCommandLine(512)
            .maxDataLine(1000).maxErrors(20).build();

    @FuzzTest(maxDuration = "5m")
    void conversation(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int chunk = (input[0] & 0x7f) + 1;
        InlineSpool spool = new InlineSpool();
        List<String> mailLog = new ArrayList<>();
        SmtpListener listener = new SmtpListener(SETTINGS, () -> spool, new FilterChain(), new MailLog(mailLog::add));
        ByteArrayOutputStream replies = new ByteArrayOutputStream();
        DummySession io = new DummySession();
        io.setRemoteAddress(new InetSocketAddress("127.0.0.1", 40000));
        io.setLocalAddress(new InetSocketAddress("127.0.0.1", 25));
        io.getFilterChain().addLast("capture", new IoFilterAdapter() {
            @Override
            public void filterWrite(NextFilter next, IoSession session, WriteRequest request) {
                if (request.getMessage() instanceof IoBuffer b) {
                    byte[] copy = new byte[b.remaining()];
                    b.duplicate().get(copy);
                    replies.writeBytes(copy);
                }
                next.filterWrite(session, request);
            }
        });
        SmtpSession session = new SmtpSession(io, listener, SETTINGS);
        session.opened();
        for (int i = 1; i < input.length && io.isConnected(); i += chunk) {
            int n = Math.min(chunk, input.length - i);
            byte[] part = new byte[n];
            System.arraycopy(input, i, part, 0, n);
            session.received(IoBuffer.wrap(part));
        }
        session.inputClosed();
        session.closed();

        String text = replies.toString(StandardCharsets.UTF_8);
        assertThat(text).as("an unexpected exception in the session").doesNotContain("internal error");
        assertThat(text).startsWith("220 ");
        assertThat(text).endsWith("\r\n");
        for (String line : text.split("\r\n")) {
            assertThat(line).as("reply line").matches("[2-5][0-9][0-9][ -].*");
            assertThat(line).doesNotContain("\r").doesNotContain("\n");
        }
        assertThat(spool.open).as("drafts neither committed nor aborted").isEmpty();
    }

    /** Commits at once on the calling thread, so the session never waits for a worker. */
    private static final class InlineSpool implements Spool {
        final List<QueueId> open = new ArrayList<>();
        private int sequence;

        @Override
        public MessageDraft create() {
            QueueId id = new QueueId(String.format("F%06X", ++sequence));
            open.add(id);
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            return new MessageDraft() {
                @Override
                public QueueId id() {
                    return id;
                }

                @Override
                public void write(byte[] data, int offset, int length) throws IOException {
                    if (!open.contains(id)) {
                        throw new IOException("draft " + id + " is closed");
                    }
                    content.write(data, offset, length);
                }

                @Override
                public long size() {
                    return content.size();
                }

                @Override
                public CompletionStage<QueuedMessage> commit(Envelope envelope) {
                    if (!open.remove(id)) {
                        return CompletableFuture.failedFuture(new IOException("draft " + id + " is closed"));
                    }
                    return CompletableFuture.completedFuture(new QueuedMessage(id, envelope,
                            envelope.recipients().stream().map(RecipientStatus::pending).toList(),
                            content.size(), 0, Instant.now(), false));
                }

                @Override
                public void abort() {
                    open.remove(id);
                }
            };
        }

        @Override
        public Optional<QueuedMessage> get(QueueId id) {
            return Optional.empty();
        }

        @Override
        public List<QueuedMessage> list() {
            return List.of();
        }

        @Override
        public List<QueuedMessage> due(Instant now, int limit) {
            return List.of();
        }

        @Override
        public int size() {
            return 0;
        }

        @Override
        public InputStream openContent(QueueId id) throws IOException {
            throw new IOException("no content in the fuzzing spool");
        }

        @Override
        public CompletionStage<Void> update(QueuedMessage message) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Boolean> remove(QueueId id) {
            return CompletableFuture.completedFuture(false);
        }

        @Override
        public boolean flush(QueueId id) {
            return false;
        }

        @Override
        public int flushAll() {
            return 0;
        }

        @Override
        public void addListener(Runnable listener) {
        }

        @Override
        public void removeListener(Runnable listener) {
        }
    }
}
