package org.karavel.smtp.internal;

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
 * A real {@link SmtpSession} on a MINA {@link DummySession}: no socket, no threads. With no filters
 * and a spool that commits at once, every step completes inline, so each {@link #send} returns with
 * every reply it caused already written: one input is one deterministic conversation. The client is
 * 127.0.0.1:40000, the server 127.0.0.1:25. Used by the dialogue files and the fuzz test.
 */
final class InProcessSession implements AutoCloseable {
    private final MemorySpool spool;
    private final List<String> mailLog = new ArrayList<>();
    private final DummySession io = new DummySession();
    private final SmtpSession session;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private int taken; // octets of output already returned by takeReplies()
    private boolean ended;

    /** Opens the session (connect filters, greeting) with an in-memory spool that commits at once. */
    InProcessSession(ListenerSettings settings) {
        this(settings, new MemorySpool(), new FilterChain());
    }

    InProcessSession(ListenerSettings settings, MemorySpool spool, FilterChain filters) {
        this.spool = spool;
        SmtpListener listener = new SmtpListener(settings, () -> spool, filters, new MailLog(mailLog::add));
        io.setRemoteAddress(new InetSocketAddress("127.0.0.1", 40000));
        io.setLocalAddress(new InetSocketAddress("127.0.0.1", 25));
        io.getFilterChain().addLast("capture", new IoFilterAdapter() {
            @Override
            public void filterWrite(NextFilter next, IoSession ioSession, WriteRequest request) {
                if (request.getMessage() instanceof IoBuffer b) {
                    byte[] copy = new byte[b.remaining()];
                    b.duplicate().get(copy);
                    output.writeBytes(copy);
                }
                next.filterWrite(ioSession, request);
            }
        });
        session = new SmtpSession(io, listener, settings);
        session.opened(null);
    }

    /** What the client sends, as one read of the server. */
    InProcessSession send(byte[] bytes) {
        session.received(IoBuffer.wrap(bytes));
        return this;
    }

    /** What the client sends, in reads of {@code chunk} octets, while the connection is open. */
    InProcessSession send(byte[] bytes, int chunk) {
        for (int i = 0; i < bytes.length && isOpen(); i += chunk) {
            int n = Math.min(chunk, bytes.length - i);
            byte[] part = new byte[n];
            System.arraycopy(bytes, i, part, 0, n);
            session.received(IoBuffer.wrap(part));
        }
        return this;
    }

    /** A command line: the text in UTF-8 and CRLF. */
    InProcessSession command(String line) {
        return send((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The client shuts down its sending side (half close). */
    InProcessSession shutdownInput() {
        session.inputClosed();
        return this;
    }

    /** The complete reply lines written since the last call, without their CRLF. */
    List<String> takeReplies() {
        byte[] all = output.toByteArray();
        List<String> lines = new ArrayList<>();
        int start = taken;
        for (int i = taken; i + 1 < all.length; i++) {
            if (all[i] == '\r' && all[i + 1] == '\n') {
                lines.add(new String(all, start, i - start, StandardCharsets.UTF_8));
                start = i + 2;
                i++;
            }
        }
        taken = start;
        return lines;
    }

    /** Everything the server wrote, as text. */
    String output() {
        return output.toString(StandardCharsets.UTF_8);
    }

    /** False once the server has closed the connection. */
    boolean isOpen() {
        return io.isConnected();
    }

    MemorySpool spool() {
        return spool;
    }

    /** The mail log lines written so far. */
    List<String> mailLog() {
        return mailLog;
    }

    /** MINA reports the connection gone: the session discards a draft it still holds. */
    @Override
    public void close() {
        if (!ended) {
            ended = true;
            session.closed();
        }
    }
}
