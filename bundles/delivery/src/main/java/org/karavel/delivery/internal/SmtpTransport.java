package org.karavel.delivery.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import org.karavel.api.dns.DnsException;
import org.karavel.api.queue.Spool;
import org.karavel.delivery.internal.RecipientResult.Outcome;

/**
 * SMTP to a recipient domain's MX hosts or to the smarthost, and LMTP to the local delivery agent:
 * finds the hosts, tries their addresses in order until one greets and answers EHLO (or LHLO).
 * Outbound TLS is not done here yet (STARTTLS is never sent).
 */
final class SmtpTransport implements Transport {
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

    SmtpTransport(DeliverySettings settings, Spool spool, MxLookup mx, Connector connector,
            ScheduledExecutorService timer, Clock clock, boolean lmtp, Set<Socket> openSockets) {
        this.openSockets = openSockets;
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
        List<MxLookup.Exchanger> hosts;
        int port;
        switch (destination.kind()) {
            case REMOTE -> {
                port = settings.remotePort();
                hosts = IpLiteral.parse(destination.name()) != null && destination.name().startsWith("[")
                        ? List.of(new MxLookup.Exchanger(destination.name(), false))
                        : mx.exchangers(destination.name());
            }
            case SMARTHOST -> {
                NextHop hop = settings.smarthost();
                port = hop.port();
                hosts = hop.mxLookup() ? smarthostExchangers(hop) : List.of(new MxLookup.Exchanger(hop.host(), false));
            }
            default -> {
                NextHop hop = settings.lmtp();
                port = hop.port();
                hosts = List.of(new MxLookup.Exchanger(hop.host(), false));
            }
        }
        Attempts attempts = new Attempts();
        for (MxLookup.Exchanger ex : hosts) {
            List<InetAddress> addresses;
            try {
                addresses = mx.addresses(ex.host());
            } catch (DnsException e) {
                if (ex.implicit() && !e.isTemporary()) {
                    throw DeliveryFailure.bounced("5.1.2", "550 5.1.2 Host or domain name not found. Name service error for name="
                            + ex.host() + " type=A: Host not found");
                }
                attempts.failed("4.4.3", "451 4.4.3 Host or domain name not found. Name service error for name="
                        + ex.host() + " type=A: " + (e.isTemporary() ? "Host not found, try again" : "Host not found"),
                        "", "none");
                continue;
            }
            if (addresses.isEmpty()) {
                if (ex.implicit()) {
                    throw DeliveryFailure.bounced("5.4.4", "550 5.4.4 Host or domain name not found. Name service error for name="
                            + ex.host() + " type=A: Host found but no data record of requested type");
                }
                attempts.failed("4.4.3", "451 4.4.3 Host or domain name not found. Name service error for name="
                        + ex.host() + " type=A: Host found but no data record of requested type", "", "none");
                continue;
            }
            for (InetAddress a : addresses) {
                if (attempts.tried++ >= MAX_ADDRESSES) {
                    break;
                }
                Session s = tryAddress(ex.host(), new InetSocketAddress(a, port), attempts);
                if (s != null) {
                    return s;
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("delivery stopping");
                }
            }
        }
        if (attempts.reply == null) {
            attempts.failed("4.4.3", "451 4.4.3 no usable address for " + destination.name(), "", "none");
        }
        throw new DeliveryFailure(Outcome.DEFERRED, attempts.status, attempts.reply, attempts.host, attempts.relay);
    }

    /** Connects, reads the greeting and says EHLO; null (and the reason in attempts) when that fails. */
    private Session tryAddress(String host, InetSocketAddress address, Attempts attempts) {
        String where = host + "[" + address.getAddress().getHostAddress() + "]:" + address.getPort();
        SmtpConnection c;
        try {
            c = SmtpConnection.open(connector, host, address, settings, timer, openSockets);
        } catch (SocketTimeoutException e) {
            attempts.failed("4.4.1", "connect to " + where + ": Connection timed out", "", "none");
            return null;
        } catch (IOException e) {
            attempts.failed("4.4.1", "connect to " + where + ": " + e.getMessage(), "", "none");
            return null;
        }
        try {
            SmtpReply greeting = c.greeting();
            if (!greeting.isPositive()) {
                // a server that greets with 4xx or 5xx is skipped, as Postfix does: the next may take it
                attempts.failed("4.4.1", greeting.text(), host, c.relay());
                c.quit();
                return null;
            }
            SmtpReply hello = c.hello(settings.heloName(), lmtp);
            if (!hello.isPositive()) {
                attempts.failed("4.4.1", hello.text(), host, c.relay());
                c.quit();
                return null;
            }
            return new SmtpSession(c);
        } catch (SocketTimeoutException e) {
            attempts.failed("4.4.2", "conversation with " + c.relay() + " timed out while receiving the initial server greeting",
                    host, c.relay());
        } catch (IOException e) {
            attempts.failed("4.4.2", "lost connection with " + c.relay() + " while receiving the initial server greeting: "
                    + e.getMessage(), host, c.relay());
        }
        c.close();
        return null;
    }

    /** The last failure among the hosts and addresses tried: what the recipients are deferred with. */
    private static final class Attempts {
        int tried;
        String status = "4.4.1";
        String reply;
        String host = "";
        String relay = "none";

        void failed(String newStatus, String newReply, String newHost, String newRelay) {
            status = newStatus;
            reply = newReply;
            host = newHost;
            relay = newRelay;
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
            return new SmtpTransaction(connection, job, spool, lmtp, settings, clock).run();
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
        return settings.replyTimeout().compareTo(Duration.ofSeconds(60)) < 0 ? settings.replyTimeout() : Duration.ofSeconds(60);
    }
}
