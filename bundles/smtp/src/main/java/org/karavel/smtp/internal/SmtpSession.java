package org.karavel.smtp.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.SSLSession;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.future.DefaultWriteFuture;
import org.apache.mina.core.future.WriteFuture;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.DefaultWriteRequest;
import org.apache.mina.filter.ssl.DisableEncryptWriteRequest;
import org.apache.mina.filter.ssl.SslFilter;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;
import org.karavel.api.queue.SpoolFullException;
import org.karavel.api.tls.ServerTls;
import org.karavel.api.tls.ServerTlsContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP connection: every bit of its protocol state, and the rules of RFC 5321 with
 * PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, SMTPUTF8 and CHUNKING.
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
    private static final Logger LOG = LoggerFactory.getLogger(SmtpSession.class);

    private static final int OUTPUT_HIGH_WATER = 64 * 1024;
    private static final int OUTPUT_LOW_WATER = 16 * 1024;
    private static final int OUTPUT_BATCH = 16 * 1024;
    /** Input kept while not reading; reads are suspended long before this. */
    private static final int MAX_BUFFERED_INPUT = 4 * 1024 * 1024;
    /**
     * The time limits count per complete line (a per-record deadline, as Postfix's
     * smtpd_per_record_deadline), never per byte, so a client trickling a byte a second is cut off.
     * BDAT content has no lines; this many octets count as one.
     */
    private static final int CHUNK_PROGRESS = 1000;

    private static final Reply OK = Reply.of(250, "2.0.0", "Ok");
    private static final Reply SENDER_OK = Reply.of(250, "2.1.0", "Ok");
    private static final Reply RECIPIENT_OK = Reply.of(250, "2.1.5", "Ok");
    private static final Reply START_DATA = Reply.of(354, null, "End data with <CR><LF>.<CR><LF>");
    private static final Reply BYE = Reply.of(221, "2.0.0", "Bye");
    private static final Reply VRFY =
            Reply.of(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    private static final Reply HELP =
            Reply.of(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP; see RFC 5321");
    private static final Reply NEED_HELO = Reply.of(503, "5.5.1", "Error: send HELO/EHLO first");
    private static final Reply NESTED_MAIL = Reply.of(503, "5.5.1", "Error: nested MAIL command");
    private static final Reply NEED_MAIL = Reply.of(503, "5.5.1", "Error: need MAIL command");
    private static final Reply NEED_RCPT = Reply.of(503, "5.5.1", "Error: need RCPT command");
    private static final Reply NO_VALID_RCPT = Reply.of(554, "5.5.1", "Error: no valid recipients");
    private static final Reply DATA_AFTER_BDAT =
            Reply.of(503, "5.5.1", "Error: DATA cannot follow BDAT in one transaction");
    private static final Reply RCPT_IN_BDAT =
            Reply.of(503, "5.5.1", "Error: RCPT cannot follow BDAT in one transaction");
    private static final Reply BDAT_NEEDS_EHLO = Reply.of(503, "5.5.1", "Error: BDAT needs EHLO");
    private static final Reply BDAT_DISCARDED = Reply.of(503, "5.5.1", "Error: previous BDAT failed; chunk discarded");
    private static final Reply UNKNOWN = Reply.of(500, "5.5.2", "Error: command not recognized");
    private static final Reply NOT_IMPLEMENTED = Reply.of(502, "5.5.1", "Error: command not implemented");
    private static final Reply LINE_TOO_LONG = Reply.of(500, "5.5.2", "Line too long");
    private static final Reply BARE_LF_COMMAND = Reply.of(500, "5.5.2", "Error: command line must end with CRLF");
    private static final Reply BAD_CHARACTERS =
            Reply.of(500, "5.5.2", "Error: bare CR, NUL or invalid UTF-8 in command");
    private static final Reply SYNTAX_HELO = Reply.of(501, "5.5.4", "Syntax: HELO hostname");
    private static final Reply SYNTAX_EHLO = Reply.of(501, "5.5.4", "Syntax: EHLO hostname");
    private static final Reply SYNTAX_MAIL = Reply.of(501, "5.5.4", "Syntax: MAIL FROM:<address>");
    private static final Reply SYNTAX_RCPT = Reply.of(501, "5.5.4", "Syntax: RCPT TO:<address>");
    private static final Reply SYNTAX_DATA = Reply.of(501, "5.5.4", "Syntax: DATA");
    private static final Reply SYNTAX_BDAT = Reply.of(501, "5.5.4", "Syntax: BDAT size [LAST]");
    private static final Reply SYNTAX_VRFY = Reply.of(501, "5.5.4", "Syntax: VRFY address");
    private static final Reply SYNTAX_PARAMETERS = Reply.of(501, "5.5.4", "Syntax error in parameters");
    private static final Reply BAD_SENDER = Reply.of(501, "5.1.7", "Bad sender address syntax");
    private static final Reply BAD_RECIPIENT = Reply.of(501, "5.1.3", "Bad recipient address syntax");
    private static final Reply NON_ASCII_SENDER = Reply.of(553, "5.6.7", "Non-ASCII sender address needs SMTPUTF8");
    private static final Reply NON_ASCII_RECIPIENT =
            Reply.of(553, "5.6.7", "Non-ASCII recipient address needs SMTPUTF8 in MAIL");
    private static final Reply TOO_MANY_RECIPIENTS = Reply.of(452, "4.5.3", "Too many recipients");
    private static final Reply QUEUE_UNAVAILABLE = Reply.of(451, "4.3.0", "Queue unavailable, try again later");
    private static final Reply FILTER_FAILURE = Reply.of(451, "4.3.0", "Temporary filter failure");

    private static final Reply READY_TLS = Reply.of(220, "2.0.0", "Ready to start TLS");
    private static final Reply SYNTAX_STARTTLS = Reply.of(501, "5.5.4", "Syntax: STARTTLS");
    private static final Reply TLS_ACTIVE = Reply.of(503, "5.5.1", "Error: TLS already active");
    private static final Reply TLS_UNAVAILABLE = Reply.of(454, "4.7.0", "TLS not available due to local problem");
    private static final Reply MUST_STARTTLS = Reply.of(530, "5.7.0", "Must issue a STARTTLS command first");
    private static final Reply ENCRYPTION_REQUIRED =
            Reply.of(538, "5.7.11", "Encryption required for requested authentication mechanism");
    private static final Reply AUTH_REQUIRED = Reply.of(530, "5.7.0", "Authentication required");
    private static final Reply AUTH_OK = Reply.of(235, "2.7.0", "Authentication successful");
    private static final Reply AUTH_FAILED = Reply.of(535, "5.7.8", "Authentication credentials invalid");
    private static final Reply AUTH_CANCELLED = Reply.of(501, "5.0.0", "Authentication cancelled");
    private static final Reply AUTH_UNDECODABLE = Reply.of(501, "5.5.2", "Cannot decode response");
    private static final Reply AUTH_TEMPORARY = Reply.of(454, "4.7.0", "Temporary authentication failure");
    private static final Reply AUTH_DISABLED = Reply.of(503, "5.5.1", "Error: authentication not enabled");
    private static final Reply AUTH_AGAIN = Reply.of(503, "5.5.1", "Error: already authenticated");
    private static final Reply AUTH_IN_TRANSACTION = Reply.of(503, "5.5.1", "Error: MAIL transaction in progress");
    private static final Reply AUTH_MECHANISM = Reply.of(504, "5.5.4", "Unrecognized authentication type");
    private static final Reply SYNTAX_AUTH = Reply.of(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
    private static final Reply AUTH_LINE_TOO_LONG = Reply.of(500, "5.5.6", "Authentication Exchange line is too long");
    /** RFC 4954 §4: AUTH command lines and responses of up to 12288 octets must be accepted. */
    static final int AUTH_LINE_MAX = 12288;

    private enum Mode {
        GREETING,
        COMMAND,
        DATA,
        BDAT,
        TLS_HANDSHAKE,
        CLOSED
    }

    /** An AUTH exchange waiting for the client's next response line. */
    private static final class AuthExchange {
        final String mechanism;
        String username;

        AuthExchange(String mechanism) {
            this.mechanism = mechanism;
        }
    }

    /** What to answer at the end of a BDAT chunk that is read only to be discarded. */
    private enum ChunkRefusal {
        SEQUENCE,
        DISCARD,
        TRANSACTION
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final IoSession io;
    private final SmtpListener listener;
    private final ListenerSettings settings;
    private final ClientSession view;
    private final String clientIp;
    private final InputBuffer in = new InputBuffer();
    private byte[] out = new byte[512];
    private int outLength;

    private Mode mode = Mode.GREETING;
    private boolean waiting;
    private boolean driving;
    private boolean outputBlocked;
    private boolean inputEnded;
    private boolean readEnabled = true;
    /** True while a MINA event is handled: only then may read interest be changed. */
    private boolean onIoThread;

    private boolean shutdownRequested;
    private boolean commitInFlight;
    private boolean discardingLongLine;
    private boolean tlsActive;
    private String tlsProtocol;
    private String tlsCipher;
    private String authUser;
    private AuthExchange authExchange;
    private long lastActivity = System.nanoTime();
    private int errors;

    private String helo;
    private boolean extended;

    private MailAddress sender;
    private boolean utf8;
    private Map<String, String> mailParameters = Map.of();
    private final List<MailAddress> recipients = new ArrayList<>();
    private boolean recipientRefused;
    private IncomingMessage message;
    private boolean discardBdat;

    private long chunkRemaining;
    private long chunkSize;
    private int chunkProgress;
    private boolean chunkLast;
    private Reply chunkRefusal;
    private ChunkRefusal chunkRefusalKind;

    SmtpSession(IoSession io, SmtpListener listener, ListenerSettings settings) {
        this.io = io;
        this.listener = listener;
        this.settings = settings;
        InetSocketAddress remote = (InetSocketAddress) io.getRemoteAddress();
        InetSocketAddress local = (InetSocketAddress) io.getLocalAddress();
        this.view =
                new ClientSession(settings.name() + "-" + Long.toHexString(io.getId()), settings.name(), remote, local);
        this.clientIp = ReceivedHeader.plainAddress(remote.getAddress());
    }

    String id() {
        return view.sessionId();
    }

    // ---------------------------------------------------------------- events

    /** The connection is open: ask the connect filters, then greet. */
    void opened() {
        lock.lock();
        onIoThread = true;
        try {
            LOG.debug("{}: connect from [{}]", id(), clientIp);
            if (settings.tls() == ListenerSettings.Tls.IMPLICIT) {
                ServerTlsContext context = tlsContext();
                if (context == null) {
                    LOG.warn(
                            "{}: implicit TLS listener without a usable certificate service; closing [{}]",
                            id(),
                            clientIp);
                    close(false);
                    return;
                }
                // the greeting below waits inside the TLS filter until the handshake is done
                addTlsFilters(context);
            }
            runStage("CONNECT", f -> f.connect(view), result -> {
                if (result.passed()) {
                    mode = Mode.COMMAND;
                    reply(Reply.of(220, null, settings.hostname() + " ESMTP Karavel"));
                } else if (result.outcome() == StageResult.Outcome.FAILED) {
                    reply(Reply.of(421, "4.3.0", settings.hostname() + " Temporary filter failure"));
                    close(true);
                } else {
                    Verdict v = result.verdict();
                    Reply r = v.kind() == Verdict.Kind.DEFER
                            ? Reply.of(421, v.enhancedCode(), settings.hostname() + " " + v.text())
                            : Reply.of(v.code(), v.enhancedCode(), v.text());
                    listener.mailLog().reject(null, "CONNECT", clientIp, r, null, null, null);
                    listener.counters().rejected(settings.name(), result.filterName());
                    reply(r);
                    close(true);
                }
            });
            drive();
            updateReadInterest();
        } finally {
            onIoThread = false;
            lock.unlock();
        }
    }

    void received(IoBuffer buffer) {
        lock.lock();
        onIoThread = true;
        try {
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
                reply(Reply.of(421, "4.7.0", settings.hostname() + " Error: too much pipelined input"));
                close(false);
                return;
            }
            drive();
            enforceTimeLimit();
            updateReadInterest();
        } finally {
            onIoThread = false;
            lock.unlock();
        }
    }

    /**
     * The TLS handshake completed. After STARTTLS everything learnt in clear text is forgotten
     * (RFC 3207 §4.2): HELO/EHLO, the transaction, any authentication.
     */
    void secured() {
        lock.lock();
        onIoThread = true;
        try {
            if (mode == Mode.CLOSED || (tlsActive && mode != Mode.TLS_HANDSHAKE)) {
                return;
            }
            Object attribute = io.getAttribute(SslFilter.SSL_SECURED);
            if (attribute instanceof SSLSession ssl) {
                tlsProtocol = ssl.getProtocol();
                tlsCipher = ssl.getCipherSuite();
                view.tls(tlsProtocol, tlsCipher);
            }
            tlsActive = true;
            listener.counters().tlsHandshake(settings.name(), tlsProtocol);
            lastActivity = System.nanoTime();
            LOG.debug("{}: TLS established with [{}]: {} {}", id(), clientIp, tlsProtocol, tlsCipher);
            if (mode == Mode.TLS_HANDSHAKE) {
                helo = null;
                extended = false;
                view.helo(null, false);
                authUser = null;
                view.authenticatedUser(null);
                authExchange = null;
                resetTransaction();
                in.clear();
                mode = Mode.COMMAND;
                drive();
            }
            updateReadInterest();
        } finally {
            onIoThread = false;
            lock.unlock();
        }
    }

    /** MINA wrote a batch of replies; resume reading once the client has taken most of them. */
    void sent() {
        lock.lock();
        onIoThread = true;
        try {
            lastActivity = System.nanoTime();
            if (outputBlocked && io.getScheduledWriteBytes() <= OUTPUT_LOW_WATER) {
                outputBlocked = false;
                drive();
            }
            updateReadInterest();
        } finally {
            onIoThread = false;
            lock.unlock();
        }
    }

    /** The client shut down its sending side: answer what was received, then close. */
    void inputClosed() {
        lock.lock();
        onIoThread = true;
        try {
            inputEnded = true;
            updateReadInterest(); // at once: MINA reports end of input again at every select otherwise
            drive();
        } finally {
            onIoThread = false;
            lock.unlock();
        }
    }

    /** Called about once a second by MINA's idle detection; enforces the command and data timeouts. */
    void tick() {
        lock.lock();
        onIoThread = true;
        try {
            updateReadInterest(); // also a safety net: any pending change is applied within a second
            enforceTimeLimit();
        } finally {
            onIoThread = false;
            lock.unlock();
        }
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
            discardMessage();
            reply(Reply.of(421, "4.4.2", settings.hostname() + " Error: timeout exceeded"));
            close(!outputBlocked);
        }
    }

    /** The listener stops: 421 now, or after the reply to a commit that has started. */
    void shutdown() {
        lock.lock();
        try {
            shutdownRequested = true;
            if (mode == Mode.CLOSED || commitInFlight) {
                return;
            }
            discardMessage();
            reply(Reply.of(421, "4.3.2", settings.hostname() + " Service shutting down"));
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
            if (!commitInFlight) {
                discardMessage();
            }
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
                if (outLength >= OUTPUT_BATCH) {
                    flush();
                }
            }
            flush();
            if (inputEnded && !waiting && !outputBlocked && mode != Mode.CLOSED && mode != Mode.GREETING) {
                // nothing more can come; what is left is an incomplete command or message
                discardMessage();
                close(true);
            }
        } catch (RuntimeException e) {
            LOG.error("{}: internal error; closing the session", id(), e);
            discardMessage();
            reply(Reply.of(421, "4.3.0", settings.hostname() + " Error: internal error"));
            close(true);
        } finally {
            driving = false;
        }
    }

    /** One unit of work; false when more input is needed. */
    private boolean step() {
        switch (mode) {
            case COMMAND:
                return commandStep();
            case DATA:
                return dataStep();
            case BDAT:
                return chunkStep();
            default:
                return false;
        }
    }

    private boolean commandStep() {
        byte[] b = in.array();
        int start = in.start();
        int end = in.end();
        if (discardingLongLine) {
            int lf = indexOf(b, start, end, (byte) '\n');
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
        boolean authLine = authExchange != null || startsWithAuth(b, start, end);
        int max = authLine ? Math.max(AUTH_LINE_MAX, settings.maxCommandLine()) : settings.maxCommandLine();
        int lf = indexOf(b, start, end, (byte) '\n');
        if (lf < 0) {
            if (end - start >= max) {
                discardingLongLine = true; // the rest of the line is dropped as it arrives
                authExchange = null;
                in.clear();
                // answered at once: a client sending a line without end learns why at once
                error(authLine ? AUTH_LINE_TOO_LONG : LINE_TOO_LONG);
                return true;
            }
            return false;
        }
        if (lf + 1 - start > max) {
            in.consume(lf + 1 - start);
            lastActivity = System.nanoTime();
            authExchange = null;
            error(authLine ? AUTH_LINE_TOO_LONG : LINE_TOO_LONG);
            return true;
        }
        boolean crlf = lf > start && b[lf - 1] == '\r';
        int lineEnd = crlf ? lf - 1 : lf;
        String line = decodeLine(b, start, lineEnd);
        in.consume(lf + 1 - start);
        lastActivity = System.nanoTime();
        if (!crlf && !settings.normalizeBareLineEndings()) {
            authExchange = null;
            error(BARE_LF_COMMAND);
        } else if (line == null) {
            authExchange = null;
            error(BAD_CHARACTERS);
        } else if (authExchange != null) {
            authResponse(line);
        } else {
            command(line);
        }
        return true;
    }

    private boolean dataStep() {
        if (in.size() == 0) {
            return false;
        }
        int n = message.feed(in.array(), in.start(), in.size());
        if (completesLine(in.array(), in.start(), in.start() + n)) {
            lastActivity = System.nanoTime(); // the data timeout counts per content line
        }
        in.consume(n);
        if (message.ended()) {
            mode = Mode.COMMAND;
            endOfMessage();
            return true;
        }
        return false;
    }

    private boolean chunkStep() {
        if (chunkRemaining > 0) {
            int available = in.size();
            if (available == 0) {
                return false;
            }
            int n = (int) Math.min(available, chunkRemaining);
            if (chunkRefusal == null) {
                message.feed(in.array(), in.start(), n);
            }
            in.consume(n);
            chunkRemaining -= n;
            chunkProgress += n;
            if (chunkProgress >= CHUNK_PROGRESS || chunkRemaining == 0) {
                // chunks have no lines: a line's worth of octets counts as one for the data timeout
                lastActivity = System.nanoTime();
                chunkProgress = 0;
            }
            if (chunkRemaining > 0) {
                return false;
            }
        }
        mode = Mode.COMMAND;
        endOfChunk();
        return true;
    }

    // ---------------------------------------------------------------- commands

    private void command(String line) {
        int space = line.indexOf(' ');
        String verb = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
        String arg = space < 0 ? "" : line.substring(space + 1).strip();
        if (!verb.equals("BDAT")) {
            discardBdat = false;
        }
        switch (verb) {
            case "EHLO":
                helo(arg, true);
                break;
            case "HELO":
                helo(arg, false);
                break;
            case "MAIL":
                mail(arg);
                break;
            case "RCPT":
                rcpt(arg);
                break;
            case "DATA":
                data(arg);
                break;
            case "BDAT":
                bdat(arg);
                break;
            case "RSET":
                resetTransaction();
                reply(OK);
                break;
            case "NOOP":
                reply(OK);
                break;
            case "QUIT":
                discardMessage();
                reply(BYE);
                close(true);
                break;
            case "VRFY":
                if (arg.isEmpty()) {
                    error(SYNTAX_VRFY);
                } else {
                    reply(VRFY); // never tell which users exist
                }
                break;
            case "HELP":
                reply(HELP);
                break;
            case "STARTTLS":
                startTls(arg);
                break;
            case "AUTH":
                auth(arg);
                break;
            case "EXPN":
            case "TURN":
            case "ETRN":
            case "ATRN":
            case "SEND":
            case "SOML":
            case "SAML":
                error(NOT_IMPLEMENTED);
                break;
            case "GET":
            case "POST":
            case "PUT":
            case "HEAD":
            case "CONNECT":
            case "OPTIONS":
            case "DELETE":
                // a web client or a cross-protocol attack (e.g. an HTTP proxy abused to send mail)
                LOG.info("{}: {} command from [{}]; closing", id(), verb, clientIp);
                reply(Reply.of(421, "4.7.0", settings.hostname() + " Error: command not allowed"));
                close(true);
                break;
            default:
                error(UNKNOWN);
        }
    }

    private void helo(String arg, boolean isExtended) {
        if (!isHeloName(arg)) {
            error(isExtended ? SYNTAX_EHLO : SYNTAX_HELO);
            return;
        }
        resetTransaction(); // RFC 5321 §4.1.4: EHLO/HELO also reset the transaction
        String previous = helo;
        boolean previousExtended = extended;
        view.helo(arg, isExtended);
        String stage = isExtended ? "EHLO" : "HELO";
        runStage(stage, f -> f.helo(view, arg), result -> {
            if (result.passed()) {
                helo = arg;
                extended = isExtended;
                if (isExtended) {
                    replyRaw("250-" + settings.hostname() + "\r\n"
                            + "250-PIPELINING\r\n"
                            + (offersStartTls() ? "250-STARTTLS\r\n" : "")
                            + (tlsActive && settings.auth() ? "250-AUTH PLAIN LOGIN\r\n" : "")
                            + "250-SIZE " + settings.maxMessageSize() + "\r\n"
                            + "250-8BITMIME\r\n"
                            + "250-ENHANCEDSTATUSCODES\r\n"
                            + "250-SMTPUTF8\r\n"
                            + "250 CHUNKING\r\n");
                } else {
                    reply(Reply.of(250, null, settings.hostname()));
                }
            } else {
                view.helo(previous, previousExtended);
                refuse(stage, result, null);
            }
        });
    }

    private void mail(String arg) {
        if (mustStartTls()) {
            error(MUST_STARTTLS);
            return;
        }
        if (helo == null) {
            error(NEED_HELO);
            return;
        }
        if (sender != null) {
            error(NESTED_MAIL);
            return;
        }
        if (settings.authRequired() && authUser == null) {
            error(AUTH_REQUIRED);
            return;
        }
        PathArgument p = PathArgument.parse(arg, "FROM:");
        if (p == null) {
            error(SYNTAX_MAIL);
            return;
        }
        if (p.path() == null) {
            error(BAD_SENDER);
            return;
        }
        Map<String, String> params = new LinkedHashMap<>();
        Reply bad = checkMailParameters(p.parameters(), params);
        if (bad != null) {
            error(bad);
            return;
        }
        boolean smtputf8 = params.containsKey("SMTPUTF8");
        if (!smtputf8 && !isAscii(p.path())) {
            error(NON_ASCII_SENDER);
            return;
        }
        MailAddress address;
        try {
            address = MailAddress.parsePath(p.path(), true, smtputf8);
        } catch (AddressSyntaxException e) {
            error(BAD_SENDER);
            return;
        }
        if (authUser != null && !address.isNullSender() && !ownsSender(address)) { // every authenticated session
            Reply notOwned = Reply.of(
                    553, "5.7.1", address.toPath() + ": Sender address rejected: not owned by user " + authUser);
            listener.mailLog().reject(null, "MAIL", clientIp, notOwned, address, null, helo);
            listener.counters().rejected(settings.name(), SmtpCounters.reason("MAIL", notOwned));
            error(notOwned);
            return;
        }
        EnvelopeSnapshot envelope = new EnvelopeSnapshot(address, List.of(), params);
        runStage("MAIL", f -> f.mailFrom(view, envelope, address), result -> {
            if (result.passed()) {
                sender = address;
                utf8 = smtputf8;
                mailParameters = Map.copyOf(params);
                reply(SENDER_OK);
            } else {
                refuse("MAIL", result, null, address, null);
            }
        });
    }

    /**
     * Checks MAIL parameters. Supported: SIZE, BODY=7BIT|8BITMIME, SMTPUTF8. Refused with 555:
     * everything else, including BODY=BINARYMIME (not offered) and the DSN parameters RET and
     * ENVID (DSN is not offered, so a client must not send them).
     */
    private Reply checkMailParameters(List<String> given, Map<String, String> params) {
        for (String param : given) {
            int eq = param.indexOf('=');
            String key = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : param.substring(eq + 1);
            if (!key.matches("[A-Z0-9][A-Z0-9-]*") || (value != null && !isParameterValue(value))) {
                return SYNTAX_PARAMETERS;
            }
            if (!extended) {
                return Reply.of(555, "5.5.4", "Unsupported parameter " + key + " (no EHLO)");
            }
            if (params.containsKey(key)) {
                return Reply.of(501, "5.5.4", "Duplicate parameter " + key);
            }
            switch (key) {
                case "SIZE":
                    if (value == null || !value.matches("[0-9]{1,20}")) {
                        return Reply.of(501, "5.5.4", "Bad SIZE parameter");
                    }
                    if (value.length() > 18 || Long.parseLong(value) > settings.maxMessageSize()) {
                        return Reply.of(552, "5.3.4", "Message size exceeds fixed maximum message size");
                    }
                    params.put(key, value);
                    break;
                case "BODY":
                    String body = value == null ? "" : value.toUpperCase(Locale.ROOT);
                    if (body.equals("BINARYMIME")) {
                        return Reply.of(555, "5.5.4", "BODY=BINARYMIME is not supported");
                    }
                    if (!body.equals("7BIT") && !body.equals("8BITMIME")) {
                        return Reply.of(501, "5.5.4", "Bad BODY parameter");
                    }
                    params.put(key, body);
                    break;
                case "SMTPUTF8":
                    if (value != null) {
                        return Reply.of(501, "5.5.4", "SMTPUTF8 takes no value");
                    }
                    params.put(key, "");
                    break;
                default:
                    return Reply.of(555, "5.5.4", "Unsupported parameter " + key);
            }
        }
        return null;
    }

    private void rcpt(String arg) {
        if (mustStartTls()) {
            error(MUST_STARTTLS);
            return;
        }
        if (sender == null) {
            error(NEED_MAIL);
            return;
        }
        if (message != null) {
            error(RCPT_IN_BDAT);
            return;
        }
        PathArgument p = PathArgument.parse(arg, "TO:");
        if (p == null) {
            error(SYNTAX_RCPT);
            return;
        }
        if (p.path() == null) {
            error(BAD_RECIPIENT);
            return;
        }
        if (!p.parameters().isEmpty()) {
            String first = p.parameters().get(0);
            int eq = first.indexOf('=');
            error(Reply.of(555, "5.5.4", "Unsupported parameter " + (eq < 0 ? first : first.substring(0, eq))));
            return;
        }
        MailAddress address;
        if (p.path().equalsIgnoreCase("<postmaster>")) {
            // RFC 5321 §4.5.1: <Postmaster> without a domain must be accepted; it means ours
            try {
                address = MailAddress.parse("postmaster@" + settings.hostname(), false);
            } catch (AddressSyntaxException e) {
                error(BAD_RECIPIENT);
                return;
            }
        } else {
            if (!utf8 && !isAscii(p.path())) {
                error(NON_ASCII_RECIPIENT);
                return;
            }
            try {
                address = MailAddress.parsePath(p.path(), false, utf8);
            } catch (AddressSyntaxException e) {
                error(BAD_RECIPIENT);
                return;
            }
        }
        if (recipients.size() >= settings.maxRecipients()) {
            // not counted as an error: RFC 5321 §4.5.3.1.10, the client sends the rest later
            listener.mailLog().reject(null, "RCPT", clientIp, TOO_MANY_RECIPIENTS, sender, address, helo);
            listener.counters().rejected(settings.name(), SmtpCounters.reason("RCPT", TOO_MANY_RECIPIENTS));
            reply(TOO_MANY_RECIPIENTS);
            return;
        }
        String missing = missingRequiredFilter();
        if (missing != null) {
            // fail closed: without the relay policy every domain would pass (not counted as a client error)
            Reply unavailable = Reply.of(
                    451, "4.3.0", "<" + address + ">: Policy filter " + missing + " unavailable, try again later");
            listener.mailLog().reject(null, "RCPT", clientIp, unavailable, sender, address, helo);
            listener.counters().rejected(settings.name(), SmtpCounters.reason("RCPT", unavailable));
            reply(unavailable);
            return;
        }
        EnvelopeSnapshot envelope = new EnvelopeSnapshot(sender, recipients, mailParameters);
        runStage("RCPT", f -> f.rcptTo(view, envelope, address), result -> {
            if (result.passed()) {
                recipients.add(address);
                reply(RECIPIENT_OK);
            } else {
                recipientRefused = true;
                refuse("RCPT", result, null, sender, address);
            }
        });
    }

    private void data(String arg) {
        if (!arg.isEmpty()) {
            error(SYNTAX_DATA);
            return;
        }
        if (message != null && message.isBdat()) {
            error(DATA_AFTER_BDAT);
            return;
        }
        if (helo == null) {
            error(NEED_HELO);
            return;
        }
        if (sender == null) {
            error(NEED_MAIL);
            return;
        }
        if (recipients.isEmpty()) {
            error(recipientRefused ? NO_VALID_RCPT : NEED_RCPT);
            return;
        }
        Reply failure = startMessage(false);
        if (failure != null) {
            reply(failure);
            resetTransaction();
            return;
        }
        mode = Mode.DATA;
        reply(START_DATA);
    }

    /**
     * BDAT (RFC 3030). Once the size is known the chunk is always read, also when the command is
     * refused, so that client and server stay in step.
     */
    private void bdat(String arg) {
        String[] words = arg.isEmpty() ? new String[0] : arg.split(" +");
        if (words.length < 1
                || words.length > 2
                || !words[0].matches("[0-9]{1,18}")
                || (words.length == 2 && !words[1].equalsIgnoreCase("LAST"))) {
            error(SYNTAX_BDAT);
            return;
        }
        chunkSize = Long.parseLong(words[0]);
        chunkRemaining = chunkSize;
        chunkLast = words.length == 2;
        chunkRefusal = null;
        chunkRefusalKind = null;
        if (discardBdat) {
            refuseChunk(BDAT_DISCARDED, ChunkRefusal.DISCARD);
        } else if (helo == null) {
            refuseChunk(NEED_HELO, ChunkRefusal.SEQUENCE);
        } else if (!extended) {
            refuseChunk(BDAT_NEEDS_EHLO, ChunkRefusal.SEQUENCE);
        } else if (sender == null) {
            refuseChunk(NEED_MAIL, ChunkRefusal.SEQUENCE);
        } else if (recipients.isEmpty()) {
            refuseChunk(recipientRefused ? NO_VALID_RCPT : NEED_RCPT, ChunkRefusal.SEQUENCE);
        } else if (message == null) {
            Reply failure = startMessage(true);
            if (failure != null) {
                refuseChunk(failure, ChunkRefusal.TRANSACTION);
            }
        }
        mode = Mode.BDAT;
    }

    private void refuseChunk(Reply reply, ChunkRefusal kind) {
        chunkRefusal = reply;
        chunkRefusalKind = kind;
    }

    private void endOfChunk() {
        if (chunkRefusal != null) {
            Reply r = chunkRefusal;
            ChunkRefusal kind = chunkRefusalKind;
            chunkRefusal = null;
            chunkRefusalKind = null;
            switch (kind) {
                case SEQUENCE:
                    error(r);
                    break;
                case DISCARD:
                    reply(r);
                    discardBdat = !chunkLast;
                    break;
                default:
                    reply(r);
                    resetTransaction();
                    discardBdat = !chunkLast;
            }
            return;
        }
        if (chunkLast) {
            message.finishChunks();
        }
        if (message.failure() != null) {
            refuseMessage();
            discardBdat = !chunkLast;
            return;
        }
        if (!chunkLast) {
            reply(Reply.of(250, "2.0.0", "Ok: " + chunkSize + " octets received"));
            return;
        }
        endOfMessage();
    }

    // ---------------------------------------------------------------- STARTTLS and AUTH

    private boolean offersStartTls() {
        return !tlsActive
                && (settings.tls() == ListenerSettings.Tls.STARTTLS || settings.tls() == ListenerSettings.Tls.REQUIRED)
                && listener.serverTls() != null;
    }

    private boolean mustStartTls() {
        return settings.tls() == ListenerSettings.Tls.REQUIRED && !tlsActive;
    }

    /** A snapshot of the certificate for this one handshake (renewals apply to the next); null without one. */
    private ServerTlsContext tlsContext() {
        ServerTls service = listener.serverTls();
        if (service == null) {
            return null;
        }
        try {
            return service.current();
        } catch (RuntimeException e) {
            LOG.warn("{}: no TLS context: {}", id(), e.toString());
            return null;
        }
    }

    /**
     * MINA's TLS filter, and behind it a marker that sees only decrypted input: the first
     * application data completes the switch to TLS even when MINA's SECURED event comes after it
     * (TLS 1.3 clients send their first command with their Finished message).
     */
    private void addTlsFilters(ServerTlsContext context) {
        io.getFilterChain().addFirst("tls", new ServerTlsFilter(context, settings));
        io.getFilterChain().addAfter("tls", "tls-events", listener.tlsEvents());
        io.getFilterChain().addAfter("tls-events", "tls-decrypted", new IoFilterAdapter() {
            @Override
            public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
                secured();
                next.messageReceived(session, message);
            }
        });
    }

    /**
     * STARTTLS (RFC 3207). Whatever the client sent after the command line is thrown away unread
     * (the STARTTLS command-injection attack), and nothing is answered to it.
     */
    private void startTls(String arg) {
        if (!arg.isEmpty()) {
            error(SYNTAX_STARTTLS);
            return;
        }
        if (tlsActive) {
            error(TLS_ACTIVE);
            return;
        }
        if (settings.tls() == ListenerSettings.Tls.NONE || settings.tls() == ListenerSettings.Tls.IMPLICIT) {
            error(NOT_IMPLEMENTED);
            return;
        }
        ServerTlsContext context = tlsContext();
        if (context == null) {
            reply(TLS_UNAVAILABLE);
            return;
        }
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
        // The filter goes in before the 220 is written (the 220 itself passes it in clear), so
        // that no byte read from now on can reach the session unencrypted, whatever thread this is.
        addTlsFilters(context);
        io.getFilterChain()
                .fireFilterWrite(new ClearTextReply(IoBuffer.wrap(READY_TLS.bytes()), new DefaultWriteFuture(io)));
    }

    /** A reply that MINA's TLS filter lets through unencrypted: the 220 to STARTTLS. */
    private static final class ClearTextReply extends DefaultWriteRequest implements DisableEncryptWriteRequest {
        ClearTextReply(IoBuffer message, WriteFuture future) {
            super(message, future);
        }
    }

    private static boolean startsWithAuth(byte[] b, int start, int end) {
        if (end - start < 5) {
            return false;
        }
        return (b[start] | 0x20) == 'a'
                && (b[start + 1] | 0x20) == 'u'
                && (b[start + 2] | 0x20) == 't'
                && (b[start + 3] | 0x20) == 'h'
                && b[start + 4] == ' ';
    }

    /** AUTH (RFC 4954), PLAIN and LOGIN, only on an encrypted session. */
    private void auth(String arg) {
        if (!settings.auth()) {
            error(AUTH_DISABLED); // auth = false: e.g. the MX listener, where users do not submit
            return;
        }
        if (listener.authFailures()
                .blocked(clientNetwork(), settings.authMaxFailures(), settings.authFailureWindowSeconds())) {
            tooManyAuthFailures();
            return;
        }
        if (!tlsActive) {
            error(mustStartTls() ? MUST_STARTTLS : ENCRYPTION_REQUIRED);
            return;
        }
        if (helo == null) {
            error(NEED_HELO);
            return;
        }
        if (authUser != null) {
            error(AUTH_AGAIN);
            return;
        }
        if (sender != null) {
            error(AUTH_IN_TRANSACTION);
            return;
        }
        String[] words = arg.isEmpty() ? new String[0] : arg.split(" +");
        if (words.length < 1 || words.length > 2) {
            error(SYNTAX_AUTH);
            return;
        }
        String mechanism = words[0].toUpperCase(Locale.ROOT);
        if (!mechanism.equals("PLAIN") && !mechanism.equals("LOGIN")) {
            error(AUTH_MECHANISM);
            return;
        }
        if (listener.users() == null) {
            reply(AUTH_TEMPORARY);
            return;
        }
        authExchange = new AuthExchange(mechanism);
        if (words.length == 2) {
            authResponse(words[1]);
        } else {
            replyRaw(mechanism.equals("PLAIN") ? "334 \r\n" : "334 VXNlcm5hbWU6\r\n"); // "Username:"
        }
    }

    /** One response of the client in an AUTH exchange (base64; "*" cancels). Never logged. */
    private void authResponse(String line) {
        AuthExchange exchange = authExchange;
        if (line.equals("*")) {
            authExchange = null;
            error(AUTH_CANCELLED);
            return;
        }
        byte[] decoded;
        try {
            decoded = line.equals("=") ? new byte[0] : Base64.getDecoder().decode(line);
        } catch (IllegalArgumentException e) {
            authExchange = null;
            error(AUTH_UNDECODABLE);
            return;
        }
        try {
            if (exchange.mechanism.equals("LOGIN") && exchange.username == null) {
                exchange.username = new String(decoded, StandardCharsets.UTF_8);
                replyRaw("334 UGFzc3dvcmQ6\r\n"); // "Password:"
                return;
            }
            authExchange = null;
            String username;
            char[] password;
            if (exchange.mechanism.equals("LOGIN")) {
                username = exchange.username;
                password = utf8Chars(decoded, 0, decoded.length);
            } else {
                // authzid NUL authcid NUL passwd (RFC 4616); acting for another identity is not supported
                int first = indexOf(decoded, 0, decoded.length, (byte) 0);
                int second = first < 0 ? -1 : indexOf(decoded, first + 1, decoded.length, (byte) 0);
                if (second < 0) {
                    error(AUTH_UNDECODABLE);
                    return;
                }
                username = new String(decoded, first + 1, second - first - 1, StandardCharsets.UTF_8);
                String authzid = new String(decoded, 0, first, StandardCharsets.UTF_8);
                password = utf8Chars(decoded, second + 1, decoded.length);
                if (!authzid.isEmpty() && !authzid.equals(username)) {
                    Arrays.fill(password, '\0');
                    authFailed(exchange.mechanism, false);
                    return;
                }
            }
            verify(exchange.mechanism, username, password);
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
    }

    private static char[] utf8Chars(byte[] b, int from, int to) {
        CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(b, from, to - from));
        char[] out = Arrays.copyOfRange(chars.array(), chars.position(), chars.limit());
        Arrays.fill(chars.array(), '\0');
        return out;
    }

    /** Asks the backend off the I/O thread; the password is zeroed once its stage has completed. */
    private void verify(String mechanism, String username, char[] password) {
        MailboxUsers users = listener.users();
        if (users == null) {
            Arrays.fill(password, '\0');
            reply(AUTH_TEMPORARY);
            return;
        }
        // counted as a failure before the check, so parallel sessions cannot overshoot the limit
        if (!listener.authFailures()
                .attempt(clientNetwork(), settings.authMaxFailures(), settings.authFailureWindowSeconds())) {
            Arrays.fill(password, '\0');
            tooManyAuthFailures();
            return;
        }
        CompletableFuture<Optional<String>> checked = new CompletableFuture<>();
        try {
            users.authenticate(username, password).whenComplete((user, failure) -> {
                Arrays.fill(password, '\0');
                if (failure != null) {
                    checked.completeExceptionally(failure);
                } else {
                    checked.complete(user == null ? Optional.empty() : user);
                }
            });
        } catch (RuntimeException e) {
            Arrays.fill(password, '\0');
            checked.completeExceptionally(e);
        }
        await(
                checked,
                (user, failure) -> {
                    if (failure != null) {
                        listener.authFailures().succeeded(clientNetwork()); // not the client's failure
                        LOG.warn("{}: authentication backend failed: {}", id(), failure.toString());
                        reply(AUTH_TEMPORARY);
                    } else if (user.isPresent()) {
                        listener.authFailures().succeeded(clientNetwork());
                        authUser = user.get();
                        view.authenticatedUser(authUser);
                        LOG.info("{}: client [{}] authenticated as {} ({})", id(), clientIp, authUser, mechanism);
                        reply(AUTH_OK);
                    } else {
                        authFailed(mechanism, true);
                    }
                },
                false);
    }

    /** @param counted whether {@link #verify} counted it already */
    private void authFailed(String mechanism, boolean counted) {
        if (!counted) {
            listener.authFailures().failed(clientNetwork(), settings.authFailureWindowSeconds());
        }
        listener.counters().authFailure(settings.name());
        LOG.info("{}: AUTH {} failed from [{}]", id(), mechanism, clientIp);
        error(AUTH_FAILED);
    }

    /** The client's network as the AUTH throttle counts it (client_ipv4/ipv6_prefix_length). */
    private org.karavel.api.net.CidrBlock clientNetwork() {
        return settings.clientNetwork(view.clientAddress().getAddress());
    }

    private void tooManyAuthFailures() {
        LOG.info("{}: AUTH from [{}] refused: too many failed authentications", id(), clientIp);
        reply(Reply.of(421, "4.7.0", settings.hostname() + " Too many failed authentications, try later"));
        close(true);
    }

    /** Whether the authenticated user may use this sender address (sender_login_match). */
    private boolean ownsSender(MailAddress address) {
        MailboxUsers users = listener.users();
        if (users == null) {
            return false;
        }
        Set<MailAddress> allowed = users.allowedSenders(authUser);
        return allowed != null && allowed.contains(address);
    }

    // ---------------------------------------------------------------- end of message and commit

    /** Makes a draft in the spool and writes the Received header into it; null when that worked. */
    private Reply startMessage(boolean bdat) {
        Spool spool = listener.spool();
        if (spool == null) {
            return QUEUE_UNAVAILABLE;
        }
        MessageDraft draft;
        try {
            draft = spool.create();
        } catch (SpoolFullException e) {
            LOG.warn("{}: spool full: {}", id(), e.getMessage());
            return IncomingMessage.NO_STORAGE;
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot create a queue file: {}", id(), e.toString());
            return IncomingMessage.WRITE_ERROR;
        }
        ReceivedHeader received = new ReceivedHeader(
                helo,
                null,
                view.clientAddress().getAddress(),
                settings.hostname(),
                ReceivedHeader.protocol(extended, utf8, tlsActive, authUser != null),
                recipients.size() == 1 ? recipients.get(0) : null,
                ZonedDateTime.now(),
                tlsActive ? tlsProtocol : null,
                tlsCipher);
        IncomingMessage m = new IncomingMessage(
                draft, received, settings, bdat, listener.filters().inspectsMessages());
        try {
            m.begin();
        } catch (IOException | RuntimeException e) {
            m.discard();
            LOG.warn("{}: cannot write to queue file: {}", id(), e.toString());
            return e instanceof SpoolFullException ? IncomingMessage.NO_STORAGE : IncomingMessage.WRITE_ERROR;
        }
        message = m;
        return null;
    }

    /** The message is complete (end of data or BDAT LAST): check it, ask the filters, commit. */
    private void endOfMessage() {
        IncomingMessage m = message;
        if (m.failure() != null) {
            refuseMessage();
            return;
        }
        ReceivedMessage content = m.view();
        Reply loop = HopCount.check(content.headers(), settings.hopcountLimit());
        if (loop != null) {
            LOG.info(
                    "{}: message from [{}] has more than {} Received: fields (a mail loop)",
                    id(),
                    clientIp,
                    settings.hopcountLimit());
            listener.mailLog().reject(m.id(), "END-OF-MESSAGE", clientIp, loop, sender, recipients.get(0), helo);
            listener.counters().rejected(settings.name(), "hopcount");
            message = null;
            m.discard();
            reply(loop);
            resetTransaction();
            return;
        }
        Verdict forged = settings.fromLoginMatch() && authUser != null
                ? FromLoginMatch.check(
                        content.header("From"),
                        listener.users() == null ? null : listener.users().allowedSenders(authUser),
                        authUser)
                : null;
        if (forged != null) {
            refuse(
                    "END-OF-MESSAGE",
                    new StageResult(StageResult.Outcome.REFUSED, forged, "from_login_match", List.of(), Set.of()),
                    m.id(),
                    sender,
                    recipients.get(0));
            message = null;
            m.discard();
            resetTransaction();
            return;
        }
        EnvelopeSnapshot envelope = new EnvelopeSnapshot(sender, recipients, mailParameters);
        runStage("END-OF-MESSAGE", f -> f.endOfMessage(view, envelope, content), result -> {
            if (!result.passed()) {
                refuse("END-OF-MESSAGE", result, m.id(), sender, recipients.get(0));
                message = null;
                m.discard();
                resetTransaction();
            } else if (!result.changesHeaders()) {
                commit(m);
            } else {
                Spool spool = listener.spool();
                CompletableFuture<Void> rewritten = spool == null
                        ? CompletableFuture.failedFuture(new IOException("no spool"))
                        : CompletableFuture.runAsync(
                                () -> {
                                    try {
                                        m.rewrite(spool, result.headers(), result.removed());
                                    } catch (IOException e) {
                                        throw new CompletionException(e);
                                    }
                                },
                                listener.worker());
                await(
                        rewritten,
                        (ignored, failure) -> {
                            if (failure == null) {
                                commit(m);
                            } else {
                                LOG.warn("{}: cannot add the filters' headers: {}", id(), failure.toString());
                                reply(
                                        failure instanceof SpoolFullException
                                                        || failure.getCause() instanceof SpoolFullException
                                                ? IncomingMessage.NO_STORAGE
                                                : IncomingMessage.WRITE_ERROR);
                                message = null;
                                m.discard();
                                resetTransaction();
                            }
                        },
                        false);
            }
        });
    }

    /** Answers a message that had a problem while it streamed in (size, bare CR/LF, long line, I/O). */
    private void refuseMessage() {
        IncomingMessage m = message;
        message = null;
        Reply r = m.failure();
        m.discard();
        if (m.clientFault()) {
            listener.mailLog()
                    .reject(
                            m.id(),
                            "END-OF-MESSAGE",
                            clientIp,
                            r,
                            sender,
                            recipients.isEmpty() ? null : recipients.get(0),
                            helo);
            listener.counters().rejected(settings.name(), SmtpCounters.reason("END-OF-MESSAGE", r));
            error(r);
        } else {
            reply(r);
        }
        resetTransaction();
    }

    private void commit(IncomingMessage m) {
        MessageDraft draft = m.draft();
        List<MailAddress> queuedRecipients =
                EnvelopeRecipients.expand(listener.recipientExpansion(), recipients, draft.id());
        if (queuedRecipients == null) {
            reply(EnvelopeRecipients.EXPANSION_ERROR);
            message = null;
            m.discard();
            resetTransaction();
            return;
        }
        Envelope envelope = new Envelope(
                sender,
                queuedRecipients,
                mailParameters,
                Instant.now(),
                clientIp,
                helo,
                settings.name(),
                authUser == null ? "" : authUser,
                ReceiptOrigin.of(view, authUser, clientIp));
        CompletableFuture<QueuedMessage> committed = new CompletableFuture<>();
        try {
            draft.commit(envelope).whenComplete((q, x) -> {
                if (x != null) {
                    committed.completeExceptionally(x);
                } else {
                    committed.complete(q);
                }
            });
        } catch (RuntimeException e) {
            committed.completeExceptionally(e);
        }
        commitInFlight = true;
        String heloName = helo;
        int count = queuedRecipients.size();
        await(
                committed,
                (queued, failure) -> {
                    commitInFlight = false;
                    m.release();
                    if (message == m) {
                        message = null;
                    }
                    Throwable cause = failure;
                    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                            && cause.getCause() != null) {
                        cause = cause.getCause();
                    }
                    if (cause == null) {
                        listener.mailLog()
                                .received(
                                        draft.id(),
                                        envelope.sender(),
                                        draft.size(),
                                        count,
                                        clientIp,
                                        heloName,
                                        settings.name());
                        listener.counters().received(settings.name());
                        reply(Reply.of(250, "2.0.0", "Ok: queued as " + draft.id()));
                    } else if (cause instanceof SpoolFullException) {
                        LOG.warn("{}: spool full at commit of {}: {}", id(), draft.id(), cause.getMessage());
                        reply(IncomingMessage.NO_STORAGE);
                    } else {
                        LOG.warn("{}: commit of {} failed: {}", id(), draft.id(), cause.toString());
                        reply(IncomingMessage.WRITE_ERROR);
                    }
                    if (cause != null) {
                        draft.abort();
                    }
                    if (mode != Mode.CLOSED) {
                        resetTransaction();
                        if (shutdownRequested) {
                            reply(Reply.of(421, "4.3.2", settings.hostname() + " Service shutting down"));
                            close(true);
                        }
                    }
                },
                true);
    }

    // ---------------------------------------------------------------- filters and waiting

    private String missingRequiredFilter() {
        for (String required : settings.requiredFilters()) {
            if (listener.filters().entries().stream().noneMatch(e -> e.name().equals(required))) {
                return required;
            }
        }
        return null;
    }

    private void runStage(
            String stage, Function<SmtpFilter, CompletionStage<Verdict>> call, Consumer<StageResult> then) {
        CompletableFuture<StageResult> result = StageRun.run(
                listener.filters().entries(),
                stage,
                id(),
                call,
                settings.filterTimeoutMillis(),
                listener.worker(),
                listener.timer(),
                listener.counters()::filterFailure);
        await(
                result,
                (r, failure) -> then.accept(
                        failure == null
                                ? r
                                : new StageResult(StageResult.Outcome.FAILED, null, "(internal)", List.of(), Set.of())),
                false);
    }

    /**
     * Continues with {@code then} when {@code future} completes: at once when it already has,
     * otherwise later on a worker thread, with reading suspended meanwhile.
     *
     * @param evenIfClosed whether {@code then} runs also when the session closed meanwhile (commit
     *     results are logged whatever happens to the connection)
     */
    private <T> void await(CompletableFuture<T> future, BiConsumer<T, Throwable> then, boolean evenIfClosed) {
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
                reply(Reply.of(421, "4.3.0", settings.hostname() + " Error: internal error"));
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

    /** Answers a refusal or failure of the filter chain at a stage before the message. */
    private void refuse(String stage, StageResult result, MailAddress to) {
        refuse(stage, result, null, sender, to);
    }

    private void refuse(String stage, StageResult result, QueueId id, MailAddress from, MailAddress to) {
        if (result.outcome() == StageResult.Outcome.FAILED) {
            listener.counters().rejected(settings.name(), "filter_error");
            reply(FILTER_FAILURE); // our fault, not the client's: not counted
            return;
        }
        Verdict v = result.verdict();
        Reply r = Reply.of(v.code(), v.enhancedCode(), v.text());
        listener.mailLog()
                .reject(
                        id,
                        stage,
                        clientIp,
                        r,
                        from,
                        to,
                        helo == null ? view.heloName().orElse(null) : helo);
        listener.counters().rejected(settings.name(), result.filterName());
        error(r);
    }

    // ---------------------------------------------------------------- replies and state

    private void reply(Reply r) {
        replyBytes(r.bytes());
    }

    private void replyRaw(String text) {
        replyBytes(text.getBytes(StandardCharsets.US_ASCII));
    }

    private void replyBytes(byte[] b) {
        if (mode == Mode.CLOSED) {
            return;
        }
        if (outLength + b.length > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, outLength + b.length));
        }
        System.arraycopy(b, 0, out, outLength, b.length);
        outLength += b.length;
    }

    /** Sends what was collected; stops reading while the client lets replies pile up. */
    private void flush() {
        if (outLength == 0 || !io.isConnected()) {
            outLength = 0;
            return;
        }
        io.write(IoBuffer.wrap(Arrays.copyOf(out, outLength)));
        outLength = 0;
        if (out.length > 64 * 1024) {
            out = new byte[512];
        }
        long backlog = io.getScheduledWriteBytes();
        listener.noteBacklog(backlog + in.size());
        if (backlog > OUTPUT_HIGH_WATER && !outputBlocked) {
            outputBlocked = true;
            updateReadInterest();
        }
    }

    /** A reply that counts as the client's error; too many close the session. */
    private void error(Reply r) {
        reply(r);
        errors++;
        if (errors >= settings.maxErrors() && mode != Mode.CLOSED) {
            LOG.info("{}: {} errors from [{}]; closing", id(), errors, clientIp);
            discardMessage();
            reply(Reply.of(421, "4.7.0", settings.hostname() + " Error: too many errors"));
            close(true);
        }
    }

    private void close(boolean flushFirst) {
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
        boolean want = wantsInput();
        if (want != readEnabled) {
            readEnabled = want;
            if (want) {
                io.resumeRead();
            } else {
                io.suspendRead();
            }
        }
    }

    private boolean wantsInput() {
        return !waiting && !outputBlocked && !inputEnded && mode != Mode.CLOSED;
    }

    private void resetTransaction() {
        sender = null;
        utf8 = false;
        mailParameters = Map.of();
        recipients.clear();
        recipientRefused = false;
        discardMessage();
    }

    private void discardMessage() {
        if (message != null && !commitInFlight) {
            message.discard();
            message = null;
        }
    }

    // ---------------------------------------------------------------- syntax

    /** Whether b[from, to) holds a line feed; searched from the end, where a line usually ends. */
    private static boolean completesLine(byte[] b, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (b[i] == '\n') {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** The command as text: strict UTF-8 without NUL or CR; null when it is not that. */
    private static String decodeLine(byte[] b, int from, int to) {
        boolean ascii = true;
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c == 0 || c == '\r') {
                return null;
            }
            if (c < 0) {
                ascii = false;
            }
        }
        if (ascii) {
            return new String(b, from, to - from, StandardCharsets.US_ASCII);
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, from, to - from))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** A HELO/EHLO argument: one word of visible ASCII, as it goes into the Received header. */
    private static boolean isHeloName(String s) {
        if (s.isEmpty() || s.length() > 255) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '(' || c == ')') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** esmtp-value of RFC 5321 (and RFC 6531: UTF-8 allowed): no '=', no space, no control character. */
    private static boolean isParameterValue(String v) {
        if (v.isEmpty()) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c <= 0x20 || c == '=' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }
}
