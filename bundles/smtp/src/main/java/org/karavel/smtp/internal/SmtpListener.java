package org.karavel.smtp.internal;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.service.IoService;
import org.apache.mina.core.service.IoServiceListener;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoEventType;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.FilterEvent;
import org.apache.mina.filter.executor.ExecutorFilter;
import org.apache.mina.filter.executor.OrderedThreadPoolExecutor;
import org.apache.mina.filter.ssl.SslEvent;
import org.apache.mina.transport.socket.SocketSessionConfig;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;
import org.karavel.api.auth.LoginFailures;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.fleet.SharedCounters;
import org.karavel.api.net.CidrBlock;
import org.karavel.api.net.RelayHosts;
import org.karavel.api.queue.Spool;
import org.karavel.api.recipient.RecipientExpansion;
import org.karavel.api.tls.ServerTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP listener: a MINA acceptor on one address and port, the connection limits, and the
 * threads that carry on sessions after asynchronous work. Plain Java, so that tests run it
 * without OSGi; {@link ListenerComponent} wires it to the configuration and services.
 */
final class SmtpListener {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpListener.class);
    private static final String COUNTED = SmtpListener.class.getName() + ".connection";
    /** How long a stopping listener lets commits that have started finish. */
    private static final long SHUTDOWN_GRACE_MILLIS = 5000;

    private static final int WORKER_THREADS = 32;
    private static final int TLS_EVENT_THREADS = 8;

    private volatile ListenerSettings settings;
    private final Supplier<Spool> spool;
    private final FilterChain filters;
    private final MailLog mailLog;
    private final Supplier<ServerTls> tls;
    private final Supplier<MailboxUsers> users;
    private volatile Supplier<RecipientExpansion> recipientExpansion = () -> null;
    private final ClientThrottles throttles;
    private final SmtpCounters counters;
    private final IntSupplier openConnections = this::connectionCount;
    private final Set<SmtpSession> sessions = ConcurrentHashMap.newKeySet();
    private final ClientConnections connections = new ClientConnections();
    private volatile Supplier<RelayHosts> relayHosts = () -> null;
    private volatile MessageEventsOut messageEvents = MessageEventsOut.NONE;
    private final LongAccumulator peakBacklog = new LongAccumulator(Math::max, 0);
    private NioSocketAcceptor acceptor;
    private ThreadPoolExecutor workerPool;
    private ScheduledThreadPoolExecutor timerPool;
    /** Carries decrypted input and errors from MINA's TLS filter to the sessions; see {@link #tlsEvents()}. */
    private OrderedThreadPoolExecutor tlsPool;

    private final Executor worker = this::runOnWorker;

    SmtpListener(ListenerSettings settings, Supplier<Spool> spool, FilterChain filters, MailLog mailLog) {
        this(settings, spool, filters, mailLog, () -> null, () -> null);
    }

    /**
     * @param tls the server certificate service now, or null while none is registered
     * @param users the AUTH backend now, or null while none is registered
     */
    SmtpListener(
            ListenerSettings settings,
            Supplier<Spool> spool,
            FilterChain filters,
            MailLog mailLog,
            Supplier<ServerTls> tls,
            Supplier<MailboxUsers> users) {
        this(settings, spool, filters, mailLog, tls, users, new LoginFailures());
    }

    /**
     * @param authFailures failed AUTH attempts per client, shared by every listener of the bundle so
     *     that guessing cannot go on by switching between 587 and 465
     */
    SmtpListener(
            ListenerSettings settings,
            Supplier<Spool> spool,
            FilterChain filters,
            MailLog mailLog,
            Supplier<ServerTls> tls,
            Supplier<MailboxUsers> users,
            LoginFailures authFailures) {
        this(settings, spool, filters, mailLog, tls, users, authFailures, new SmtpCounters());
    }

    /** @param counters where the figures go: the bundle's {@link SmtpCounters#BUNDLE}, or a test's own */
    SmtpListener(
            ListenerSettings settings,
            Supplier<Spool> spool,
            FilterChain filters,
            MailLog mailLog,
            Supplier<ServerTls> tls,
            Supplier<MailboxUsers> users,
            LoginFailures authFailures,
            SmtpCounters counters) {
        this.counters = counters;
        this.throttles = new ClientThrottles(authFailures, counters);
        this.tls = tls;
        this.users = users;
        this.settings = settings;
        this.spool = spool;
        this.filters = filters;
        this.mailLog = mailLog;
    }

    /** Binds the socket and starts accepting. Throws (leaving nothing running) when it cannot bind. */
    synchronized void start() throws IOException {
        if (acceptor != null) {
            throw new IllegalStateException("already started");
        }
        ListenerSettings s = settings;
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String literal : s.addresses()) {
            InetSocketAddress address = new InetSocketAddress(literal, s.port());
            if (address.isUnresolved()) {
                throw new UnknownHostException(literal + ": not an IP address");
            }
            addresses.add(address);
        }
        workerPool = new ThreadPoolExecutor(
                WORKER_THREADS,
                WORKER_THREADS,
                30,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                threads("karavel-smtp-" + s.name() + "-worker-"));
        workerPool.allowCoreThreadTimeOut(true);
        timerPool = new ScheduledThreadPoolExecutor(1, threads("karavel-smtp-" + s.name() + "-timer-"));
        timerPool.setRemoveOnCancelPolicy(true);
        tlsPool = new OrderedThreadPoolExecutor(
                0, TLS_EVENT_THREADS, 30, TimeUnit.SECONDS, threads("karavel-smtp-" + s.name() + "-tls-"));
        NioSocketAcceptor a = new NioSocketAcceptor();
        a.setReuseAddress(true);
        a.setBacklog(256);
        a.setCloseOnDeactivation(false); // stop() says goodbye to each session itself
        SocketSessionConfig config = a.getSessionConfig();
        config.setTcpNoDelay(true);
        config.setIdleTime(IdleStatus.READER_IDLE, 1); // the tick for the command and data timeouts
        a.setHandler(new Events());
        a.addListener(new Releases());
        try {
            bind(a, addresses, s);
        } catch (IOException | RuntimeException e) {
            a.dispose(false);
            workerPool.shutdownNow();
            timerPool.shutdownNow();
            tlsPool.shutdownNow();
            throw e;
        }
        acceptor = a;
        counters.started(s.name(), openConnections);
        LOG.info("SMTP listener '{}' listening on {} as {}", s.name(), a.getLocalAddresses(), s.hostname());
    }

    /**
     * Binds every address. {@code ::} is one dual-stack socket (IPv6, and IPv4 as mapped addresses)
     * unless the kernel says IPv6 only; on a host without IPv6 it falls back to {@code 0.0.0.0}.
     */
    private static void bind(NioSocketAcceptor a, List<InetSocketAddress> addresses, ListenerSettings s)
            throws IOException {
        try {
            a.bind(addresses);
        } catch (IOException e) {
            InetSocketAddress wildcard6 = addresses.stream()
                    .filter(x -> x.getAddress() instanceof Inet6Address
                            && x.getAddress().isAnyLocalAddress())
                    .findFirst()
                    .orElse(null);
            if (wildcard6 == null || ipv6Available()) {
                throw e;
            }
            LOG.warn(
                    "SMTP listener '{}': IPv6 is not available on this host; listening on 0.0.0.0 instead of ::",
                    s.name());
            List<InetSocketAddress> v4 = new ArrayList<>(addresses);
            v4.set(v4.indexOf(wildcard6), new InetSocketAddress("0.0.0.0", s.port()));
            a.bind(v4);
        }
    }

    /** Whether any interface has an IPv6 address (loopback's ::1 is there unless IPv6 is off). */
    private static boolean ipv6Available() {
        try {
            return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                    .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                    .anyMatch(x -> x instanceof Inet6Address);
        } catch (SocketException e) {
            return false;
        }
    }

    synchronized boolean isRunning() {
        return acceptor != null;
    }

    /** The first bound address (with the real port when port 0 was configured). */
    synchronized InetSocketAddress localAddress() {
        return acceptor == null ? null : acceptor.getLocalAddress();
    }

    /** Every bound address, in the order of the configuration. */
    synchronized List<InetSocketAddress> localAddresses() {
        List<InetSocketAddress> all = new ArrayList<>();
        if (acceptor != null) {
            for (SocketAddress x : acceptor.getLocalAddresses()) {
                all.add((InetSocketAddress) x);
            }
        }
        return all;
    }

    ListenerSettings settings() {
        return settings;
    }

    /** Where the relay policy's relay_hosts come from (client_limit_exceptions = relay_hosts); null while none runs. */
    SmtpListener relayHosts(Supplier<RelayHosts> source) {
        relayHosts = source;
        return this;
    }

    /** New settings on the same address and port: new sessions get them, open ones keep theirs. */
    void reconfigure(ListenerSettings next) {
        if (!next.sameSocket(settings)) {
            throw new IllegalArgumentException("address or port changed: stop and start a new listener");
        }
        settings = next;
    }

    /**
     * Stops accepting, answers 421 4.3.2 to every open session and closes it; a session whose
     * message is being committed gets its reply first. Waits at most a few seconds.
     */
    void stop() {
        NioSocketAcceptor a;
        synchronized (this) {
            a = acceptor;
            acceptor = null;
        }
        if (a == null) {
            return;
        }
        a.unbind();
        List<SmtpSession> open = new ArrayList<>(sessions);
        for (SmtpSession s : open) {
            s.shutdown();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_GRACE_MILLIS);
        for (IoSession io : new ArrayList<>(a.getManagedSessions().values())) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0 || !io.getCloseFuture().awaitUninterruptibly(left)) {
                LOG.warn(
                        "SMTP listener '{}': session {} still open after {} ms; closing it",
                        settings.name(),
                        io.getId(),
                        SHUTDOWN_GRACE_MILLIS);
                break;
            }
        }
        a.dispose(true);
        counters.stopped(settings.name(), openConnections);
        workerPool.shutdown();
        timerPool.shutdownNow();
        tlsPool.shutdown();
        LOG.info("SMTP listener '{}' stopped", settings.name());
    }

    // ------------------------------------------------------------ for sessions

    /** The spool now, or null while none is registered. */
    Spool spool() {
        return spool.get();
    }

    /** The certificate service now, or null while none is registered. */
    ServerTls serverTls() {
        return tls.get();
    }

    /** The AUTH backend now, or null while none is registered. */
    MailboxUsers users() {
        return users.get();
    }

    /** The virtual alias map now, or null while none is registered. */
    RecipientExpansion recipientExpansion() {
        return recipientExpansion.get();
    }

    /** Where {@link #recipientExpansion()} comes from (the component's dynamic reference). */
    void recipientExpansion(Supplier<RecipientExpansion> source) {
        recipientExpansion = source;
    }

    LoginFailures authFailures() {
        return throttles.authFailures();
    }

    /** The AUTH and connection-rate throttles, on this node and, with a shared store, across the fleet. */
    ClientThrottles throttles() {
        return throttles;
    }

    /** Where the fleet's shared counts come from (the component's dynamic reference); null while none runs. */
    SmtpListener sharedCounters(Supplier<SharedCounters> source) {
        throttles.shared(source);
        return this;
    }

    SmtpCounters counters() {
        return counters;
    }

    FilterChain filters() {
        return filters;
    }

    MailLog mailLog() {
        return mailLog;
    }

    /** Where the message events go (the events service, if one runs). */
    MessageEventsOut messageEvents() {
        return messageEvents;
    }

    SmtpListener messageEvents(MessageEventsOut out) {
        this.messageEvents = out;
        return this;
    }

    Executor worker() {
        return worker;
    }

    ScheduledExecutorService timer() {
        return timerPool;
    }

    /**
     * A filter that hands a TLS session's decrypted input and errors to threads of their own, in
     * order per session. MINA 2.2's TLS handler passes them up while it holds its queue's monitor,
     * and a worker that writes a reply holds the session lock and then needs that monitor: on the
     * I/O thread the two locks were taken in opposite orders (a deadlock). Write acknowledgements
     * stay on the I/O thread (MINA passes them up after releasing the monitor): the read interest
     * they resume is seen by the I/O thread's next select at once, whereas a change made on another
     * thread waited for the selector's one-second timeout.
     */
    ExecutorFilter tlsEvents() {
        return new ExecutorFilter(tlsPool, IoEventType.MESSAGE_RECEIVED, IoEventType.EXCEPTION_CAUGHT);
    }

    void noteBacklog(long bytes) {
        peakBacklog.accumulate(bytes);
    }

    /** The most octets one session held at once (replies not yet sent plus unprocessed input). */
    long peakBacklog() {
        return peakBacklog.get();
    }

    int openSessions() {
        return sessions.size();
    }

    /** For tests: whether every open session has reading on (none suspended by a wait). */
    boolean allReading() {
        return sessions.stream().allMatch(SmtpSession::reading);
    }

    /** Connections counted against the limits, refused ones included until they are closed. */
    int connectionCount() {
        return connections.total();
    }

    /** Connections open now from the client network of this address (as client_ipv4/ipv6_prefix_length group them). */
    int connectionsFrom(InetAddress client) {
        return connections.from(settings.clientNetwork(client));
    }

    /** Client networks with connections open now. */
    int clientNetworks() {
        return connections.networks();
    }

    /**
     * Closing work done once per connection: the session forgets its state and the counts go down.
     * Called from the handler's sessionClosed and, as MINA fires it even when a filter broke the
     * chain's close event, from the service's sessionDestroyed.
     */
    private void release(IoSession io) {
        SmtpSession session = (SmtpSession) io.removeAttribute(SmtpSession.KEY);
        if (session != null) {
            session.closed();
            sessions.remove(session);
        }
        Object counted = io.removeAttribute(COUNTED);
        if (counted instanceof ClientConnections.Connection c) {
            c.release();
        }
    }

    /** The acceptor's own session events: sessionDestroyed comes for every session that was created. */
    private final class Releases implements IoServiceListener {
        @Override
        public void serviceActivated(IoService service) {}

        @Override
        public void serviceIdle(IoService service, IdleStatus status) {}

        @Override
        public void serviceDeactivated(IoService service) {}

        @Override
        public void sessionCreated(IoSession io) {}

        @Override
        public void sessionClosed(IoSession io) {}

        @Override
        public void sessionDestroyed(IoSession io) {
            release(io);
        }
    }

    private void runOnWorker(Runnable task) {
        ThreadPoolExecutor pool = workerPool;
        try {
            pool.execute(task);
        } catch (RejectedExecutionException e) {
            task.run(); // stopping: finish the work (e.g. reply to a commit) on this thread
        }
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** MINA events, dispatched to the session. */
    private final class Events extends IoHandlerAdapter {
        @Override
        public void sessionOpened(IoSession io) {
            ListenerSettings s = settings;
            InetAddress ip = ((InetSocketAddress) io.getRemoteAddress()).getAddress();
            CidrBlock network = s.clientNetwork(ip);
            ClientConnections.Connection c =
                    connections.open(network, s.clientLimitExceptions().exempt(ip, relayHosts.get()));
            io.setAttribute(COUNTED, c);
            counters.connection(s.name());
            if (c.overLimit(s)) {
                LOG.info(
                        "SMTP listener '{}': too many connections ({} in all, {} from {}); refusing [{}]",
                        s.name(),
                        c.totalAtOpen,
                        c.fromNetworkAtOpen,
                        network,
                        ip.getHostAddress());
                io.write(IoBuffer.wrap(("421 4.7.0 " + s.hostname() + " Too many connections\r\n")
                        .getBytes(StandardCharsets.US_ASCII)));
                io.closeOnFlush();
                return;
            }
            int perMinute = s.maxConnectionRatePerIp();
            boolean rated = perMinute > 0 && !c.exempt;
            if (rated && !throttles.connectionHere(network, perMinute)) {
                LOG.info(
                        "SMTP listener '{}': more than {} connections within a minute from {}; refusing [{}]",
                        s.name(),
                        perMinute,
                        network,
                        ip.getHostAddress());
                counters.rejected(s.name(), "connection_rate");
                io.write(IoBuffer.wrap(
                        Replies.tooManyConnectionsPerMinute(s.hostname()).bytes()));
                io.closeOnFlush();
                return;
            }
            SmtpSession session = new SmtpSession(io, SmtpListener.this, s);
            io.setAttribute(SmtpSession.KEY, session);
            sessions.add(session);
            // the fleet's count is awaited by the session before its first command, off this I/O thread
            session.opened(rated && throttles.sharing() ? throttles.connectionShared(s.name(), network) : null);
        }

        @Override
        public void event(IoSession io, FilterEvent event) {
            SmtpSession session = session(io);
            if (session != null && event == SslEvent.SECURED) {
                // MINA holds its TLS queue's monitor here: take the session lock elsewhere (tlsEvents)
                worker.execute(session::secured);
            }
        }

        @Override
        public void sessionClosed(IoSession io) {
            release(io);
        }

        @Override
        public void messageReceived(IoSession io, Object message) {
            SmtpSession session = session(io);
            if (session != null) {
                session.received((IoBuffer) message);
            }
        }

        @Override
        public void messageSent(IoSession io, Object message) {
            SmtpSession session = session(io);
            if (session != null) {
                session.sent();
            }
        }

        @Override
        public void sessionIdle(IoSession io, IdleStatus status) {
            SmtpSession session = session(io);
            if (session != null) {
                session.tick();
            }
        }

        @Override
        public void inputClosed(IoSession io) {
            SmtpSession session = session(io);
            if (session == null) {
                io.closeNow();
            } else {
                session.inputClosed();
            }
        }

        @Override
        public void exceptionCaught(IoSession io, Throwable cause) {
            SmtpSession session = session(io);
            Object id = session == null ? io.getId() : session.id();
            SSLException tlsFailure = tlsFailure(cause);
            if (tlsFailure != null) {
                // one line, no stack trace: scanners and old clients fail handshakes all day long
                InetAddress ip = ((InetSocketAddress) io.getRemoteAddress()).getAddress();
                counters.tlsHandshakeFailed(settings.name());
                LOG.info(
                        "{}: TLS handshake failed from [{}]: {}",
                        id,
                        ReceivedHeader.plainAddress(ip),
                        tlsFailure.getMessage());
            } else if (cause instanceof IOException) {
                LOG.debug("{}: {}", id, cause.toString());
            } else {
                LOG.warn("{}: unexpected error; closing the connection", id, cause);
            }
            io.closeNow();
        }

        private SSLException tlsFailure(Throwable cause) {
            for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof SSLException ssl) {
                    return ssl;
                }
            }
            return null;
        }

        private SmtpSession session(IoSession io) {
            return (SmtpSession) io.getAttribute(SmtpSession.KEY);
        }
    }
}
