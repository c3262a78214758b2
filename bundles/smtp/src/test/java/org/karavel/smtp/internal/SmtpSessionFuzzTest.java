package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.DummySession;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;
import org.karavel.testkit.MemorySpool;

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
    private static final ListenerSettings SETTINGS = ListenerSettings.builder("mx.fuzz.example")
            .name("fuzz")
            .address("127.0.0.1")
            .port(0)
            .maxMessageSize(4096)
            .maxRecipients(5)
            .maxCommandLine(512)
            .maxDataLine(1000)
            .maxErrors(20)
            .build();

    @FuzzTest(maxDuration = "5m")
    void conversation(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int chunk = (input[0] & 0x7f) + 1;
        MemorySpool spool = new MemorySpool(); // commits at once, on the calling thread
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
        assertThat(spool.open()).as("drafts neither committed nor aborted").isEmpty();
    }
}
