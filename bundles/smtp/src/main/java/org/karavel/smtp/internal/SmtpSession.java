package org.karavel.smtp.internal;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.IoSession;
import org.karavel.api.tls.ServerTlsContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP connection (RFC 5321 with PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, DSN, SMTPUTF8
 * and CHUNKING), the core of it: the lock, the mode, read interest, the processing loop, the
 * dispatch through {@link Command} (the command table) and the small handlers (RSET, NOOP, QUIT,
 * VRFY, HELP). The parts, each in its own file and run under this lock: {@link Greeting} (220,
 * EHLO/HELO), {@link TransactionCommands} (MAIL, RCPT, DATA, BDAT) on a {@link Transaction} that
 * every reset replaces, {@link MessageCommit} (end of message to "queued as"), {@link StartTls},
 * {@link Authentication} (AUTH) with {@link SaslExchange}, {@link FilterStages}; every reply is in
 * {@link Replies}, the syntax of command lines in {@link CommandSyntax}.
 *
 * <p>Threads: events come from the MINA I/O thread (bytes, idle ticks, close) and from worker
 * threads (filter verdicts, spool commits). Everything runs under {@link #lock}, so the state
 * is touched by one thread at a time, and commands are processed one at a time, in order. While
 * a command waits for an asynchronous result, reading from the socket is suspended; bytes that
 * were already received stay in {@link #in} and are processed after the reply. Replies are
 * collected and written in batches; when the client does not read them (more than
 * {@link #OUTPUT_HIGH_WATER} queued) the session stops reading until they drain, so memory per
 * session stays bounded whatever the client pipelines.
 *
 * <p>MINA's {@code suspendRead()}/{@code resumeRead()} change the selection key's interest set
 * with an unsynchronised read-modify-write on the calling thread, which races with the I/O
 * thread's own updates (a lost OP_READ leaves a session stuck). So read interest is changed only
 * on the I/O thread, inside a MINA event. Work done on another thread that makes the session
 * ready for input always ends with a reply, and the {@code messageSent} event of that reply
 * resumes reading on the I/O thread; a suspension wanted on another thread is applied at the
 * next read. The idle tick (every second) applies any change still pending, as a safety net.
 */
final class SmtpSession {
    static final String KEY = SmtpSession.class.getName();
    static final Logger LOG = LoggerFactory.getLogger(SmtpSession.class);

    private static final int OUTPUT_HIGH_WATER = 64 * 1024;
    private static final int OUTPUT_LOW_WATER = 16 * 1024;
    private static final int OUTPUT_BATCH = 16 * 1024;
    /** Input kept while not reading; reads are suspended long before this. */
    private static final int MAX_BUFFERED_INPUT = 4 * 1024 * 1024;

    private enum Mode {
        GREETING,
        COMMAND,
        DATA,
        BDAT,
        TLS_HANDSHAKE,
        CLOSED
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final IoSession io;
    final SmtpListener listener;
    final ListenerSettings settings;
    final ClientSession view;
    final String clientIp;
    private final InputBuffer in = new InputBuffer();
    // the parts, each in its own file
    final Greeting greeting;
    final StartTls tls;
    final Authentication authentication;
    final TransactionCommands commands;
    final MessageCommit commit;
    final FilterStages stages;
    private final ReplyBuffer out = new ReplyBuffer();

    private Mode mode = Mode.GREETING;
    private boolean waiting;
    private boolean readDuringWait;
    private boolean driving;
    private boolean outputBlocked;
    private boolean inputEnded;
    private boolean readEnabled = true;
    /** True while a MINA event is handled: only then may read interest be changed. */
    private boolean onIoThread;

    private boolean shutdownRequested;
    private boolean discardingLongLine;
    /**
     * The time limits count per complete line (a per-record deadline, as Postfix's
     * smtpd_per_record_deadline), never per byte, so a client trickling a byte a second is cut off.
     */
    private long lastActivity = System.nanoTime();

    private int errors;
    private Transaction transaction = new Transaction();

    SmtpSession(IoSession io, SmtpListener listener, ListenerSettings settings) {
        this.io = io;
        this.listener = listener;
        this.settings = settings;
        InetSocketAddress remote = (InetSocketAddress) io.getRemoteAddress();
        InetSocketAddress local = (InetSocketAddress) io.getLocalAddress();
        this.view =
                new ClientSession(settings.name() + "-" + Long.toHexString(io.getId()), settings.name(), remote, local);
        this.clientIp = ReceivedHeader.plainAddress(remote.getAddress());
        this.greeting = new Greeting(this);
        this.tls = new StartTls(this, io);
        this.authentication = new Authentication(this);
        this.commands = new TransactionCommands(this);
        this.commit = new MessageCommit(this);
        this.stages = new FilterStages(this);
    }

    String id() {
        return view.sessionId();
    }

    // ---------------------------------------------------------------- events

    /** Runs a MINA event under the lock; only then, on the I/O thread, may read interest change. */
    private void ioEvent(Runnable event) {
        lock.lock();
        onIoThread = true;
        try {
            event.run();
        } finally {
            onIoThread = false;
            lock.unlock();
        }
    }

    /**
     * The connection is open: the connect filters, then the greeting; the fleet's connection count
     * (null when not asked) is awaited after it, before the first command.
     */
    void opened(CompletableFuture<Long> fleetConnections) {
        ioEvent(() -> {
            LOG.debug("{}: connect from [{}]", id(), clientIp);
            if (settings.tls() == ListenerSettings.Tls.IMPLICIT) {
                ServerTlsContext context = tls.context();
                if (context == null) {
                    LOG.warn(
                            "{}: implicit TLS listener without a usable certificate service; closing [{}]",
                            id(),
                            clientIp);
                    close(false);
                    return;
                }
                // the greeting below waits inside the TLS filter until the handshake is done
                tls.install(context, this::secured);
            }
            greeting.open(fleetConnections);
            drive();
            updateReadInterest();
        });
    }

    void received(IoBuffer buffer) {
        ioEvent(() -> {
            if (mode == Mode.CLOSED) {
                return;
            }
            if (mode == Mode.TLS_HANDSHAKE) {
                // plain text between our 220 and the TLS filter: injection, never executed
                LOG.info(
                        "{}: discarded {} octets sent in clear text after STARTTLS by [{}]",
                        id(),
                        buffer.remaining(),
                        clientIp);
                buffer.position(buffer.limit());
                return;
            }
            in.append(buffer);
            if (in.size() > MAX_BUFFERED_INPUT) {
                LOG.warn("{}: client [{}] sent {} octets without waiting; closing", id(), clientIp, in.size());
                reply(Replies.tooMuchInput(settings.hostname()));
                close(false);
                return;
            }
            drive();
            enforceTimeLimit();
            updateReadInterest();
        });
    }

    /**
     * The TLS handshake completed. After STARTTLS everything learnt in clear text is forgotten
     * (RFC 3207 §4.2): HELO/EHLO, the transaction, any authentication.
     */
    void secured() {
        ioEvent(() -> {
            if (mode == Mode.CLOSED || (tls.active() && mode != Mode.TLS_HANDSHAKE)) {
                return;
            }
            tls.established(view);
            lastActivity = System.nanoTime();
            LOG.debug("{}: TLS established with [{}]: {} {}", id(), clientIp, tls.protocol(), tls.cipher());
            if (mode == Mode.TLS_HANDSHAKE) {
                greeting.forget();
                authentication.forget();
                resetTransaction();
                in.clear();
                mode = Mode.COMMAND;
                drive();
            }
            updateReadInterest();
        });
    }

    /** MINA wrote a batch of replies; resume reading once the client has taken most of them. */
    void sent() {
        ioEvent(() -> {
            lastActivity = System.nanoTime();
            if (outputBlocked && io.getScheduledWriteBytes() <= OUTPUT_LOW_WATER) {
                outputBlocked = false;
                drive();
            }
            updateReadInterest();
        });
    }

    /** The client shut down its sending side: answer what was received, then close. */
    void inputClosed() {
        ioEvent(() -> {
            inputEnded = true;
            updateReadInterest(); // at once: MINA reports end of input again at every select otherwise
            drive();
        });
    }

    /** Called about once a second by MINA's idle detection; enforces the command and data timeouts. */
    void tick() {
        ioEvent(() -> {
            updateReadInterest(); // also a safety net: any pending change is applied within a second
            enforceTimeLimit();
        });
    }

    /**
     * Closes the session with 421 4.4.2 when the current line has taken too long. Checked at the
     * idle tick and at every read: MINA's idle tick never comes while a client trickles bytes.
     */
    private void enforceTimeLimit() {
        if (mode == Mode.CLOSED || mode == Mode.GREETING || waiting) {
            return; // waiting for ourselves (filters, spool) is not the client's fault
        }
        long limit = mode == Mode.COMMAND ? settings.commandTimeoutSeconds() : settings.dataTimeoutSeconds();
        if (System.nanoTime() - lastActivity >= TimeUnit.SECONDS.toNanos(limit)) {
            LOG.info("{}: timeout after {} s from [{}] in {}", id(), limit, clientIp, mode);
            transaction.discardMessage();
            reply(Replies.timeout(settings.hostname()));
            close(!outputBlocked);
        }
    }

    /** The listener stops: 421 now, or after the reply to a commit that has started. */
    void shutdown() {
        lock.lock();
        try {
            shutdownRequested = true;
            if (mode == Mode.CLOSED || transaction.committing) {
                return;
            }
            transaction.discardMessage();
            reply(Replies.shuttingDown(settings.hostname()));
            close(!outputBlocked);
        } finally {
            lock.unlock();
        }
    }

    /** MINA closed the connection. A message whose commit has started is left to the spool. */
    void closed() {
        lock.lock();
        try {
            mode = Mode.CLOSED;
            transaction.discardMessage();
            in.clear();
            LOG.debug("{}: disconnect from [{}]", id(), clientIp);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- processing loop

    /** Processes buffered input until it is used up or the session has to wait. */
    private void drive() {
        if (driving) {
            return; // a continuation that completed inline; the loop below goes on
        }
        driving = true;
        try {
            while (!waiting && !outputBlocked && (mode == Mode.COMMAND || mode == Mode.DATA || mode == Mode.BDAT)) {
                if (!step()) {
                    break;
                }
                if (out.length() >= OUTPUT_BATCH) {
                    flush();
                }
            }
            flush();
            if (inputEnded && !waiting && !outputBlocked && mode != Mode.CLOSED && mode != Mode.GREETING) {
                // nothing more can come; what is left is an incomplete command or message
                transaction.discardMessage();
                close(true);
            }
        } catch (RuntimeException e) {
            LOG.error("{}: internal error; closing the session", id(), e);
            transaction.discardMessage();
            reply(Replies.internalError(settings.hostname()));
            close(true);
        } finally {
            driving = false;
        }
    }

    /** One unit of work; false when more input is needed. */
    private boolean step() {
        return switch (mode) {
            case COMMAND -> commandStep();
            case DATA -> dataStep();
            case BDAT -> chunkStep();
            default -> false;
        };
    }

    private boolean commandStep() {
        byte[] b = in.array();
        int start = in.start();
        int end = in.end();
        if (discardingLongLine) {
            int lf = CommandSyntax.indexOf(b, start, end, (byte) '\n');
            if (lf < 0) {
                in.clear();
                return false;
            }
            // the 500 was sent when the line outgrew the limit; its end is dropped silently
            in.consume(lf + 1 - start);
            discardingLongLine = false;
            lastActivity = System.nanoTime();
            return true;
        }
        boolean authLine = authentication.exchanging() || CommandSyntax.startsWithAuth(b, start, end);
        int max = authLine ? Math.max(SaslExchange.LINE_MAX, settings.maxCommandLine()) : settings.maxCommandLine();
        Reply tooLong = authLine ? Replies.AUTH_LINE_TOO_LONG : Replies.LINE_TOO_LONG;
        int lf = CommandSyntax.indexOf(b, start, end, (byte) '\n');
        if (lf < 0) {
            if (end - start >= max) {
                discardingLongLine = true; // the rest of the line is dropped as it arrives
                authentication.cancel();
                in.clear();
                // answered at once: a client sending a line without end learns why at once
                error(tooLong);
                return true;
            }
            return false;
        }
        if (lf + 1 - start > max) {
            in.consume(lf + 1 - start);
            lastActivity = System.nanoTime();
            authentication.cancel();
            error(tooLong);
            return true;
        }
        boolean crlf = lf > start && b[lf - 1] == '\r';
        String line = CommandSyntax.decodeLine(b, start, crlf ? lf - 1 : lf);
        in.consume(lf + 1 - start);
        lastActivity = System.nanoTime();
        if (!crlf && !settings.normalizeBareLineEndings()) {
            authentication.cancel();
            error(Replies.BARE_LF_COMMAND);
        } else if (line == null) {
            authentication.cancel();
            error(Replies.BAD_CHARACTERS);
        } else if (authentication.exchanging()) {
            authentication.response(line);
        } else {
            command(line);
        }
        return true;
    }

    private boolean dataStep() {
        if (in.size() == 0) {
            return false;
        }
        IncomingMessage message = transaction.message;
        int n = message.feed(in.array(), in.start(), in.size());
        if (CommandSyntax.completesLine(in.array(), in.start(), in.start() + n)) {
            lastActivity = System.nanoTime(); // the data timeout counts per content line
        }
        in.consume(n);
        if (message.ended()) {
            mode = Mode.COMMAND;
            commit.endOfMessage();
            return true;
        }
        return false;
    }

    private boolean chunkStep() {
        Transaction.Chunk chunk = transaction.chunk;
        if (chunk.remaining > 0) {
            int available = in.size();
            if (available == 0) {
                return false;
            }
            int n = (int) Math.min(available, chunk.remaining);
            if (chunk.refusal == null) {
                transaction.message.feed(in.array(), in.start(), n);
            }
            in.consume(n);
            chunk.remaining -= n;
            chunk.progress += n;
            if (chunk.progress >= Transaction.CHUNK_PROGRESS || chunk.remaining == 0) {
                // chunks have no lines: a line's worth of octets counts as one for the data timeout
                lastActivity = System.nanoTime();
                chunk.progress = 0;
            }
            if (chunk.remaining > 0) {
                return false;
            }
        }
        mode = Mode.COMMAND;
        transaction.chunk = null;
        commands.endOfChunk(chunk);
        return true;
    }

    // ---------------------------------------------------------------- commands

    /** Dispatch through the command table. */
    private void command(String line) {
        int space = line.indexOf(' ');
        String verb = space < 0 ? line : line.substring(0, space);
        String arg = space < 0 ? "" : line.substring(space + 1).strip();
        Command command = Command.of(verb);
        if (command != Command.BDAT) {
            transaction.discardChunks = false;
        }
        if (command == null) {
            error(Replies.UNKNOWN);
        } else if (command.forbidden()) {
            LOG.info("{}: {} command from [{}]; closing", id(), command, clientIp);
            reply(Replies.commandNotAllowed(settings.hostname()));
            close(true);
        } else if (!command.implemented()) {
            error(Replies.NOT_IMPLEMENTED);
        } else {
            command.handle(this, arg);
        }
    }

    /** Whether {@code command} must wait: it needs HELO/EHLO and the client has not sent one. */
    boolean beforeHelo(Command command) {
        return greeting.name() == null && !command.allowedBeforeHelo();
    }

    /** RSET: a new transaction; HELO/EHLO, TLS and authentication stay. */
    void rset(String arg) {
        resetTransaction();
        reply(Replies.OK);
    }

    void noop(String arg) {
        reply(Replies.OK);
    }

    void quit(String arg) {
        transaction.discardMessage();
        reply(Replies.BYE);
        close(true);
    }

    void vrfy(String arg) {
        if (arg.isEmpty()) {
            error(Replies.SYNTAX_VRFY);
        } else {
            reply(Replies.VRFY); // never tell which users exist
        }
    }

    void help(String arg) {
        reply(Replies.HELP);
    }

    /** STARTTLS was accepted: input pipelined after it is dropped unread (command injection). */
    void startHandshake() {
        if (in.size() > 0) {
            LOG.info(
                    "{}: discarded {} octets pipelined after STARTTLS by [{}] (command injection)",
                    id(),
                    in.size(),
                    clientIp);
            in.clear();
        }
        mode = Mode.TLS_HANDSHAKE;
        flush(); // earlier pipelined replies go out in clear text, in order
    }

    // ---------------------------------------------------------------- for the parts

    /** The CONNECT filters let the client in: commands may come. */
    void acceptCommands() {
        mode = Mode.COMMAND;
    }

    /** DATA was accepted: what follows is content, up to CRLF.CRLF. */
    void receiveData() {
        mode = Mode.DATA;
    }

    /** BDAT was read: its chunk follows, and is read also when the command was refused. */
    void receiveChunk(Transaction.Chunk chunk) {
        transaction.chunk = chunk;
        mode = Mode.BDAT;
    }

    Transaction transaction() {
        return transaction;
    }

    boolean isClosed() {
        return mode == Mode.CLOSED;
    }

    boolean shutdownRequested() {
        return shutdownRequested;
    }

    /** A new transaction; the message of the old one is discarded unless its commit has started. */
    void resetTransaction() {
        transaction.discardMessage();
        transaction = new Transaction();
    }

    // ---------------------------------------------------------------- waiting

    /**
     * Whether the client's input is read (and buffered, not executed) during the current wait: for a
     * wait that no reply of ours is pending on, whose end no write would report to the I/O thread.
     */
    void readDuringWait(boolean on) {
        readDuringWait = on;
    }

    /** Whether MINA reads this connection now. */
    boolean reading() {
        return !io.isReadSuspended();
    }

    /**
     * Continues with {@code then} when {@code future} completes: at once when it already has,
     * otherwise later on a worker thread, with reading suspended meanwhile.
     *
     * @param evenIfClosed whether {@code then} runs also when the session closed meanwhile (commit
     *     results are logged whatever happens to the connection)
     */
    <T> void await(CompletableFuture<T> future, BiConsumer<T, Throwable> then, boolean evenIfClosed) {
        if (future.isDone()) {
            complete(future, then);
            return;
        }
        waiting = true;
        updateReadInterest();
        future.whenComplete((v, x) -> listener.worker().execute(() -> {
            lock.lock();
            try {
                waiting = false;
                if (mode == Mode.CLOSED && !evenIfClosed) {
                    return;
                }
                lastActivity = System.nanoTime();
                then.accept(v, x);
                drive();
            } catch (RuntimeException e) {
                LOG.error("{}: internal error; closing the session", id(), e);
                reply(Replies.internalError(settings.hostname()));
                close(true);
            } finally {
                lock.unlock();
            }
        }));
    }

    private static <T> void complete(CompletableFuture<T> future, BiConsumer<T, Throwable> then) {
        T value = null;
        Throwable failure = null;
        try {
            value = future.join();
        } catch (CompletionException | CancellationException e) {
            failure = e.getCause() == null ? e : e.getCause();
        }
        then.accept(value, failure);
    }

    // ---------------------------------------------------------------- replies and read interest

    void reply(Reply r) {
        replyBytes(r.bytes());
    }

    void replyRaw(String text) {
        replyBytes(text.getBytes(StandardCharsets.US_ASCII));
    }

    private void replyBytes(byte[] b) {
        if (mode != Mode.CLOSED) {
            out.append(b);
        }
    }

    /** Sends what was collected; stops reading while the client lets replies pile up. */
    private void flush() {
        if (out.length() == 0 || !io.isConnected()) {
            out.clear();
            return;
        }
        io.write(out.take());
        long backlog = io.getScheduledWriteBytes();
        listener.noteBacklog(backlog + in.size());
        if (backlog > OUTPUT_HIGH_WATER && !outputBlocked) {
            outputBlocked = true;
            updateReadInterest();
        }
    }

    /** A reply that counts as the client's error; too many close the session. */
    void error(Reply r) {
        reply(r);
        errors++;
        if (errors >= settings.maxErrors() && mode != Mode.CLOSED) {
            LOG.info("{}: {} errors from [{}]; closing", id(), errors, clientIp);
            transaction.discardMessage();
            reply(Replies.tooManyErrors(settings.hostname()));
            close(true);
        }
    }

    void close(boolean flushFirst) {
        if (mode == Mode.CLOSED) {
            return;
        }
        flush();
        mode = Mode.CLOSED;
        in.clear();
        if (flushFirst) {
            io.closeOnFlush();
        } else {
            io.closeNow();
        }
    }

    /** Suspends or resumes reading as the state requires; off the I/O thread the next MINA event does it. */
    private void updateReadInterest() {
        if (!onIoThread) {
            return;
        }
        // on an implicit-TLS listener the greeting waits for the handshake, so the handshake must
        // go on while the connect stage decides: its answer cannot be written before it
        boolean handshakeFirst = settings.tls() == ListenerSettings.Tls.IMPLICIT && !tls.active();
        boolean want =
                (!waiting || handshakeFirst || readDuringWait) && !outputBlocked && !inputEnded && mode != Mode.CLOSED;
        if (want != readEnabled) {
            readEnabled = want;
            if (want) {
                io.resumeRead();
            } else {
                io.suspendRead();
            }
        }
    }
}
