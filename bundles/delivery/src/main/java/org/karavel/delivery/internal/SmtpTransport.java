package org.karavel.delivery.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.karavel.api.dkim.OutboundSigner;
import org.karavel.api.dns.DnsException;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.queue.Spool;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.api.tls.DestinationTls;
import org.karavel.api.tls.HostTls;
import org.karavel.api.tls.OutboundTls;
import org.karavel.api.tls.PolicySource;
import org.karavel.api.tls.TlsOutcome;
import org.karavel.api.tls.TlsVerdict;
import org.karavel.delivery.internal.RecipientResult.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SMTP to a recipient domain's MX hosts or to the smarthost, and LMTP to the local delivery agent:
 * finds the hosts, tries their addresses in order until one greets, answers EHLO (or LHLO) and, for
 * SMTP, passes the outbound TLS policy (STARTTLS, then EHLO again). LMTP stays in clear text: it is
 * local.
 */
final class SmtpTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpTransport.class);
    /** Longest wait for the TLS policy of a destination or host (MTA-STS fetch, TLSA lookup). */
    private static final Duration POLICY_TIMEOUT = Duration.ofSeconds(120);

    /** At most this many addresses are tried per session, as Postfix's smtp_mx_address_limit. */
    static final int MAX_ADDRESSES = 10;

    private final DeliverySettings settings;
    private final Spool spool;
    private final MxLookup mx;
    private final Connector connector;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final boolean lmtp;
    private final Set<Socket> openSockets;
    /** TLS policy and signer; null for LMTP. */
    private final OutboundServices outbound;

    private final DeliveryCounters counters;
    /** Which hosts are this server (never connected to); unused for LMTP. */
    private final Myself myself;

    /** The transport table: the routes SMARTHOST destinations name. */
    private final TransportTableFile routes;
    /** The source addresses connections leave from. */
    private final SendingAddresses sending;

    /** @param outbound the TLS policy and DKIM signer for SMTP; null for LMTP (local: no TLS, no signature) */
    SmtpTransport(
            DeliverySettings settings,
            Spool spool,
            MxLookup mx,
            Connector connector,
            ScheduledExecutorService timer,
            Clock clock,
            boolean lmtp,
            Set<Socket> openSockets,
            OutboundServices outbound,
            DeliveryCounters counters,
            Myself myself) {
        this(
                settings,
                spool,
                mx,
                connector,
                timer,
                clock,
                lmtp,
                openSockets,
                outbound,
                counters,
                myself,
                new TransportTableFile(
                        null,
                        TransportTableFile.CHECK_INTERVAL,
                        TransportTable.Secrets.NONE,
                        legacySmarthost(settings)),
                SendingAddresses.NONE);
    }

    /**
     * @param routes the transport table, whose routes SMARTHOST destinations name
     * @param sending the source addresses that destinations name
     */
    SmtpTransport(
            DeliverySettings settings,
            Spool spool,
            MxLookup mx,
            Connector connector,
            ScheduledExecutorService timer,
            Clock clock,
            boolean lmtp,
            Set<Socket> openSockets,
            OutboundServices outbound,
            DeliveryCounters counters,
            Myself myself,
            TransportTableFile routes,
            SendingAddresses sending) {
        this.routes = routes;
        this.sending = sending;
        this.myself = myself;
        this.openSockets = openSockets;
        this.outbound = outbound;
        this.counters = counters;
        this.settings = settings;
        this.spool = spool;
        this.mx = mx;
        this.connector = connector;
        this.timer = timer;
        this.clock = clock;
        this.lmtp = lmtp;
    }

    @Override
    public Session open(Destination destination) throws DeliveryFailure, InterruptedException {
        return open(destination, null);
    }

    @Override
    public Session open(Destination destination, SiteLimits site) throws DeliveryFailure, InterruptedException {
        Route route = routeOf(destination);
        Departure from = departureOf(destination, route, SiteTerms.of(lmtp ? null : site, settings));
        OutboundTls tls = null;
        if (outbound != null) {
            tls = outbound.tls().get();
            if (tls == null) {
                // fail closed: without the policy we cannot know whether clear text is allowed
                LOG.warn(
                        "no outbound TLS policy service (bundle org.karavel.tls): mail to {} is deferred", destination);
                throw DeliveryFailure.deferred("4.3.0", "451 4.3.0 no outbound TLS policy service");
            }
        }
        Attempts attempts = new Attempts();
        List<Leg> legs = nextHops(destination, route);
        for (int leg = 0; leg < legs.size(); leg++) {
            boolean last = leg == legs.size() - 1;
            NextHops hops;
            DestinationTls policy;
            try {
                hops = legs.get(leg).resolve();
                policy = tls == null ? null : destinationPolicy(tls, destination, route, hops);
            } catch (DeliveryFailure f) {
                if (last && attempts.reply == null) {
                    throw f;
                }
                // failover: this smarthost's name does not resolve now, the next one may take the mail
                attempts.failed(f.status(), f.reply(), f.remoteHost(), f.relay(), f.tls());
                continue;
            }
            Session s = tryHosts(destination, hops, tls, policy, from, attempts);
            if (s != null) {
                return s;
            }
        }
        if (attempts.reply == null) {
            attempts.failed(
                    "4.4.3", "451 4.4.3 no usable address for " + destination.name(), "", MailLogLine.RELAY_NONE);
        }
        throw new DeliveryFailure(
                Outcome.DEFERRED, attempts.status, attempts.reply, attempts.host, attempts.relay, attempts.tls);
    }

    /** Tries the hosts of one next hop (one smarthost, or the recipient domain's MX hosts) in order. */
    private Session tryHosts(
            Destination destination,
            NextHops hops,
            OutboundTls tls,
            DestinationTls policy,
            Departure from,
            Attempts attempts)
            throws DeliveryFailure, InterruptedException {
        int port = hops.port();
        List<MxLookup.Exchanger> hosts = hops.exchangers();
        int best = hosts.isEmpty() ? 0 : hosts.get(0).preference();
        for (MxLookup.Exchanger ex : hosts) {
            if (!lmtp && myself.isMyName(ex.host())) {
                loopsBack(hops.name(), ex, best, port);
                return null;
            }
            // a shaping site's tls mode may only raise what the policy asks (MTA-STS, DANE, rules)
            HostTls hostTls = tls == null ? null : from.terms().raise(hostPolicy(tls, policy, ex));
            if (hostTls != null && !hostTls.mxAllowed()) {
                refusedByPolicy(tls, policy, hostTls, ex, attempts);
                continue;
            }
            List<InetAddress> found = addressesOf(ex, attempts);
            List<InetAddress> addresses = from.sameFamily(found);
            if (addresses.isEmpty() && !found.isEmpty()) {
                attempts.failed(
                        "4.4.1",
                        "451 4.4.1 " + ex.host() + " has no address of the family of source address "
                                + from.bind().getHostAddress(),
                        "",
                        MailLogLine.RELAY_NONE);
            }
            if (!lmtp && addresses.stream().anyMatch(a -> myself.isMyself(a, port))) {
                loopsBack(hops.name(), ex, best, port);
                return null;
            }
            for (InetAddress a : addresses) {
                if (attempts.tried++ >= MAX_ADDRESSES) {
                    return null;
                }
                Session s = tryAddress(ex.host(), new InetSocketAddress(a, port), attempts, tls, hostTls, null, from);
                if (s != null) {
                    return s;
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("delivery stopping");
                }
            }
        }
        return null;
    }

    /**
     * The hosts of one next hop, in order, and the port they listen on; {@code name} is the next hop
     * as the loop check names it.
     */
    private record NextHops(String name, List<MxLookup.Exchanger> exchangers, int port, NextHop hop) implements Leg {
        @Override
        public NextHops resolve() {
            return this;
        }
    }

    /** A next hop whose hosts are looked up only when it is its turn (a smarthost given as a domain). */
    @FunctionalInterface
    private interface Leg {
        NextHops resolve() throws DeliveryFailure, InterruptedException;
    }

    /** The next hops of a destination, in failover order. */
    private List<Leg> nextHops(Destination destination, Route route) throws DeliveryFailure, InterruptedException {
        switch (destination.kind()) {
            case REMOTE -> {
                List<MxLookup.Exchanger> hosts = IpLiteral.parse(destination.name()) != null
                                && destination.name().startsWith("[")
                        ? List.of(new MxLookup.Exchanger(destination.name(), false, false))
                        : mx.exchangers(destination.name());
                return List.of(new NextHops(destination.name(), hosts, settings.remotePort(), null));
            }
            case SMARTHOST -> {
                List<Leg> legs = new ArrayList<>();
                for (NextHop hop : route.hops()) {
                    // a [host] from the configuration is not a DNS answer anyone could spoof: DANE may apply
                    legs.add(
                            hop.mxLookup()
                                    ? () -> new NextHops(hop.host(), smarthostExchangers(hop), hop.port(), hop)
                                    : new NextHops(
                                            hop.host(),
                                            List.of(new MxLookup.Exchanger(hop.host(), false, true)),
                                            hop.port(),
                                            hop));
                }
                return legs;
            }
            default -> {
                NextHop hop = settings.lmtp();
                return List.of(new NextHops(
                        hop.host(), List.of(new MxLookup.Exchanger(hop.host(), false, true)), hop.port(), hop));
            }
        }
    }

    /** An MX host that MTA-STS enforce does not list, or whose TLSA lookup failed: never connected to. */
    private void refusedByPolicy(
            OutboundTls tls, DestinationTls policy, HostTls hostTls, MxLookup.Exchanger ex, Attempts attempts) {
        tls.record(policy.domain(), TlsOutcome.refused(hostTls, ""));
        counters.tls("refused");
        String why = hostTls.refusal().map(f -> f.resultType()).orElse("validation-failure");
        attempts.failed(
                "4.7.5",
                "451 4.7.5 MX host " + ex.host() + " not allowed by the TLS policy " + hostTls.policyLabel() + " ("
                        + why + ")",
                "",
                MailLogLine.RELAY_NONE,
                "tls=none policy=" + hostTls.policyLabel() + " tls_failure=" + why);
    }

    /**
     * The addresses of an exchanger; none (and the reason in attempts) when it has none or DNS failed.
     * An implicit MX (the domain itself) that does not exist or has no address bounces the mail.
     */
    private List<InetAddress> addressesOf(MxLookup.Exchanger ex, Attempts attempts)
            throws DeliveryFailure, InterruptedException {
        List<InetAddress> addresses;
        try {
            addresses = mx.addresses(ex.host());
        } catch (DnsException e) {
            if (ex.implicit() && !e.isTemporary()) {
                throw DeliveryFailure.bounced(
                        "5.1.2",
                        "550 5.1.2 Host or domain name not found. Name service error for name=" + ex.host()
                                + " type=A: Host not found");
            }
            attempts.failed(
                    "4.4.3",
                    "451 4.4.3 Host or domain name not found. Name service error for name=" + ex.host() + " type=A: "
                            + (e.isTemporary() ? "Host not found, try again" : "Host not found"),
                    "",
                    MailLogLine.RELAY_NONE);
            return List.of();
        }
        if (addresses.isEmpty()) {
            if (ex.implicit()) {
                throw DeliveryFailure.bounced(
                        "5.4.4",
                        "550 5.4.4 Host or domain name not found. Name service error for name=" + ex.host()
                                + " type=A: Host found but no data record of requested type");
            }
            attempts.failed(
                    "4.4.3",
                    "451 4.4.3 Host or domain name not found. Name service error for name=" + ex.host()
                            + " type=A: Host found but no data record of requested type",
                    "",
                    MailLogLine.RELAY_NONE);
        }
        return addresses;
    }

    /**
     * An exchanger that is this server (RFC 5321 §5.1): as the best MX the mail loops back to
     * myself and bounces, as Postfix does; at a lower preference only the more preferred hosts,
     * already tried, may take the mail, so the caller stops there.
     */
    private void loopsBack(String what, MxLookup.Exchanger ex, int best, int port) throws DeliveryFailure {
        if (ex.preference() <= best) {
            LOG.warn(
                    "mail for {} loops back to myself: its best MX {} is this server (port {})", what, ex.host(), port);
            throw DeliveryFailure.bounced("5.4.6", "554 5.4.6 mail for " + what + " loops back to myself");
        }
        LOG.debug(
                "{}: MX {} (preference {}) is this server: only more preferred hosts are tried",
                what,
                ex.host(),
                ex.preference());
    }

    /**
     * The TLS policy of the destination: the recipient domain's, or for a smarthost its host name's
     * (a rule in the outbound policy applies to it), unless its transport table entry (or
     * smarthost_tls) names a mode.
     */
    private DestinationTls destinationPolicy(OutboundTls tls, Destination destination, Route route, NextHops hops)
            throws DeliveryFailure, InterruptedException {
        String domain = destination.name();
        if (destination.kind() == Destination.Kind.SMARTHOST) {
            domain = hops.hop().host();
            if (route.tls() != null) {
                return new DestinationTls(
                        domain.toLowerCase(Locale.ROOT),
                        route.tls(),
                        PolicySource.CONFIG,
                        List.of(),
                        "",
                        List.of(),
                        Optional.empty());
            }
        }
        return awaitPolicy(tls.forDomain(domain), "TLS policy of " + domain);
    }

    private HostTls hostPolicy(OutboundTls tls, DestinationTls policy, MxLookup.Exchanger host)
            throws DeliveryFailure, InterruptedException {
        return awaitPolicy(tls.forHost(policy, host.host(), host.authentic()), "TLS policy of " + host.host());
    }

    private static <T> T awaitPolicy(CompletionStage<T> stage, String what)
            throws DeliveryFailure, InterruptedException {
        try {
            return stage.toCompletableFuture().get(POLICY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // the policy service promises never to fail; if it does, nothing may go out unchecked
            throw DeliveryFailure.deferred("4.7.5", "451 4.7.5 " + what + " unavailable: " + e.getCause());
        } catch (TimeoutException e) {
            throw DeliveryFailure.deferred(
                    "4.7.5", "451 4.7.5 " + what + " unavailable: no answer in " + POLICY_TIMEOUT.toSeconds() + " s");
        }
    }

    /**
     * Connects, reads the greeting, says EHLO and applies the TLS policy; null (and the reason in
     * attempts) when that fails.
     *
     * @param tls the policy service, null for LMTP
     * @param hostTls the host's policy, null for LMTP
     * @param clearTextRetry the verdict of a failed handshake on the previous connection that allows
     *     clear text: this connection does not send STARTTLS and is logged with that verdict
     */
    private Session tryAddress(
            String host,
            InetSocketAddress address,
            Attempts attempts,
            OutboundTls tls,
            HostTls hostTls,
            TlsVerdict clearTextRetry,
            Departure from)
            throws DeliveryFailure {
        String where = host + "[" + address.getAddress().getHostAddress() + "]:" + address.getPort();
        SmtpConnection c = connect(host, address, where, attempts, from);
        if (c == null) {
            return null;
        }
        String stage = "receiving the initial server greeting";
        try {
            // a server that greets with 4xx or 5xx is skipped, as Postfix does: the next may take it
            if (!positiveOrQuit(c.greeting(from.terms().greetingTimeout()), c, host, attempts)) {
                return null;
            }
            stage = "sending EHLO";
            if (!positiveOrQuit(c.hello(from.ehloName(), lmtp), c, host, attempts)) {
                return null;
            }
            boolean verified = false;
            if (tls != null) {
                stage = "starting TLS";
                TlsVerdict verdict =
                        clearTextRetry != null ? clearTextRetry : new StartTls(c, tls, hostTls, settings).negotiate();
                if (clearTextRetry == null) {
                    tls.record(hostTls.destination().domain(), TlsOutcome.of(verdict, c.localIp(), c.remoteIp()));
                    counters.tls(tlsResult(verdict));
                }
                if (verdict.clearTextRetry() && clearTextRetry == null) {
                    // the handshake failed and the policy allows clear text: a new connection, no STARTTLS
                    c.close();
                    LOG.debug("{}: TLS handshake failed ({}), retrying in clear text", where, verdict.detail());
                    return tryAddress(host, address, attempts, tls, hostTls, verdict, from);
                }
                if (!verdict.accepted()) {
                    attempts.failed(
                            "4.7.5",
                            "451 4.7.5 TLS with " + c.relay() + " failed its policy: " + failure(verdict)
                                    + from.terms().tlsNote(hostTls),
                            host,
                            c.relay(),
                            verdict.logText());
                    c.quit();
                    return null;
                }
                c.tlsLog(verdict.logText());
                if (c.isTls()) {
                    stage = "sending EHLO after STARTTLS";
                    // RFC 3207 §4.2: forget what was learnt in clear text and ask again
                    SmtpReply again = c.hello(from.ehloName(), false);
                    if (!again.isPositive()) {
                        attempts.failed("4.4.1", again.text(), host, c.relay(), verdict.logText());
                        c.quit();
                        return null;
                    }
                }
                verified = c.isTls() && verdict.verified();
            }
            if (from.login() != null) {
                stage = "authenticating";
                SmtpAuth.login(c, from.login(), verified);
            }
            return new SmtpSession(c);
        } catch (SocketTimeoutException e) {
            attempts.failed(
                    "4.4.2",
                    "conversation with " + c.relay() + " timed out while " + stage
                            + (c.cutBy() == null ? "" : " (" + c.cutBy() + ")"),
                    host,
                    c.relay(),
                    c.tlsLog());
        } catch (IOException e) {
            attempts.failed(
                    "4.4.2",
                    "lost connection with " + c.relay() + " while " + stage + ": " + e.getMessage(),
                    host,
                    c.relay(),
                    c.tlsLog());
        }
        c.close();
        return null;
    }

    /**
     * Whether a reply to the greeting or EHLO is positive; if not the connection is ended and the
     * reply recorded: the next host (the next smarthost of a list) may take the mail.
     */
    private static boolean positiveOrQuit(SmtpReply r, SmtpConnection c, String host, Attempts attempts) {
        if (r.isPositive()) {
            return true;
        }
        attempts.failed("4.4.1", r.text(), host, c.relay());
        c.quit();
        return false;
    }

    /** A TCP connection to the address; null (and the reason in attempts) when it cannot be made. */
    private SmtpConnection connect(
            String host, InetSocketAddress address, String where, Attempts attempts, Departure from) {
        try {
            return SmtpConnection.open(
                    connector,
                    host,
                    address,
                    settings,
                    timer,
                    openSockets,
                    from.bind(),
                    from.terms().connectTimeout());
        } catch (SocketTimeoutException e) {
            attempts.failed("4.4.1", "connect to " + where + ": Connection timed out", "", MailLogLine.RELAY_NONE);
        } catch (IOException e) {
            attempts.failed("4.4.1", "connect to " + where + ": " + e.getMessage(), "", MailLogLine.RELAY_NONE);
        }
        return null;
    }

    private static String failure(TlsVerdict verdict) {
        return verdict.detail().isEmpty() ? "TLS required" : verdict.detail();
    }

    /** The {@code result} label of karavel_delivery_tls_total for a session's verdict. */
    static String tlsResult(TlsVerdict v) {
        if (!v.accepted()) {
            return "failed";
        }
        if (v.clearTextRetry()) {
            return "clear_after_failure";
        }
        return v.encrypted() ? (v.verified() ? "verified" : "encrypted") : "clear";
    }

    /** The last failure among the hosts and addresses tried: what the recipients are deferred with. */
    private static final class Attempts {
        int tried;
        String status = "4.4.1";
        String reply;
        String host = "";
        String relay = MailLogLine.RELAY_NONE;
        String tls = "";

        void failed(String newStatus, String newReply, String newHost, String newRelay) {
            failed(newStatus, newReply, newHost, newRelay, "");
        }

        void failed(String newStatus, String newReply, String newHost, String newRelay, String newTls) {
            status = newStatus;
            reply = newReply;
            host = newHost;
            relay = newRelay;
            tls = newTls == null ? "" : newTls;
        }
    }

    /** A smarthost given as a domain: its MX hosts, but a DNS problem never bounces the mail it relays. */
    private List<MxLookup.Exchanger> smarthostExchangers(NextHop hop) throws DeliveryFailure, InterruptedException {
        try {
            return mx.exchangers(hop.host());
        } catch (DeliveryFailure f) {
            throw DeliveryFailure.deferred("4.4.3", "451 4.4.3 smarthost " + hop + ": " + f.reply());
        }
    }

    /** The smarthost and smarthost_tls keys of org.karavel.delivery.cfg as a route (the table's {@code *}); null without. */
    static Route legacySmarthost(DeliverySettings settings) {
        return settings.smarthost() == null
                ? null
                : new Route(Route.Kind.SMTP, List.of(settings.smarthost()), null, settings.smarthostTls());
    }

    /** The destination name of a refused domain: {@code refuse:example.com}. */
    static final String REFUSED = "refuse:";

    /** The route a SMARTHOST destination names; null for the others. */
    private Route routeOf(Destination destination) throws DeliveryFailure {
        if (destination.kind() != Destination.Kind.SMARTHOST) {
            return null;
        }
        if (destination.name().startsWith(REFUSED)) {
            String domain = destination.name().substring(REFUSED.length());
            throw DeliveryFailure.bounced(
                    "5.7.1", "554 5.7.1 mail for " + domain + " is not delivered from this server (transport table)");
        }
        Route r = routes.byKey(destination.name());
        if (r == null) {
            // the table changed since the job was queued: the next attempt routes it again
            throw DeliveryFailure.deferred(
                    "4.3.0", "451 4.3.0 route " + destination.name() + " is gone from the transport table");
        }
        return r;
    }

    /** Where connections to a destination leave from, under which EHLO name, login and site terms. */
    private Departure departureOf(Destination destination, Route route, SiteTerms terms) throws DeliveryFailure {
        SmtpLogin login = route == null || lmtp ? null : route.auth();
        if (destination.source().isEmpty() || lmtp) {
            return new Departure(null, settings.heloName(), login, terms);
        }
        SendingSource s = sending.source(destination.source());
        if (s == null || !s.usable()) {
            throw DeliveryFailure.deferred(
                    "4.3.0", "451 4.3.0 source address " + destination.source() + " is not configured (any more)");
        }
        return new Departure(s.address(), s.ehloName().isEmpty() ? settings.heloName() : s.ehloName(), login, terms);
    }

    /** One open connection; RSET before every transaction but the first. */
    private final class SmtpSession implements Session {
        private final SmtpConnection connection;
        private int transactions;

        SmtpSession(SmtpConnection connection) {
            this.connection = connection;
        }

        @Override
        public List<RecipientResult> deliver(DeliveryJob job) throws StaleSessionException {
            if (transactions > 0) {
                try {
                    connection.send("RSET");
                    SmtpReply r = connection.read(settings.replyTimeout());
                    if (!r.isPositive()) {
                        connection.close();
                        throw new StaleSessionException("RSET refused: " + r.text());
                    }
                } catch (IOException e) {
                    connection.close();
                    throw new StaleSessionException("cached connection lost: " + e.getMessage());
                }
            }
            transactions++;
            OutboundSigner signer = outbound == null ? null : outbound.signer().get();
            return new SmtpTransaction(connection, job, spool, lmtp, settings, clock, signer).run();
        }

        @Override
        public boolean isReusable() {
            return !connection.isBroken();
        }

        @Override
        public void close() {
            connection.quit();
        }
    }

    static Duration dnsTimeout(DeliverySettings settings) {
        // the resolver has its own timeouts; this only bounds a resolver that never answers
        return settings.replyTimeout().compareTo(Duration.ofSeconds(60)) < 0
                ? settings.replyTimeout()
                : Duration.ofSeconds(60);
    }
}
