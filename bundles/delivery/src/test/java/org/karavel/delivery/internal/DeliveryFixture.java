package org.karavel.delivery.internal;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.dkim.OutboundSigner;
import org.karavel.api.domain.MailDomains;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.tls.OutboundTls;
import org.karavel.api.tls.TlsMode;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.LoopbackResolver;
import org.karavel.testkit.MemorySpool;
import org.xbill.DNS.Type;

/**
 * What the delivery tests share: a loopback DNS server with its resolver, an in-memory spool, the
 * local domains, and a connector that picks each host's port (all test servers are on 127.0.0.1).
 */
final class DeliveryFixture implements AutoCloseable {
    static final String HELO = "karavel.test";

    final LoopbackDnsServer dns;
    final LoopbackResolver resolver;
    final MemorySpool spool;
    final Map<String, Integer> ports = new ConcurrentHashMap<>();
    final Set<String> localDomains = ConcurrentHashMap.newKeySet();
    DeliveryScheduler scheduler;
    /** Set before start: where hard bounces go; null for none. */
    RecipientSuppression suppression;
    /** False: the local domains service is absent (delivery asks at every scan). */
    volatile boolean domainsKnown = true;
    /** Set before start: where message events go; null for none. */
    MessageEventsOut events;
    /** The outbound TLS policy delivery sees; null to test its absence. */
    volatile OutboundTls outboundTls = new FakeOutboundTls(TlsMode.OPPORTUNISTIC);
    /** The DKIM signer delivery sees; null (default) for none. */
    volatile OutboundSigner signer;

    final DeliveryCounters counters = new DeliveryCounters();
    /** Traffic shaping delivery sees; by default none (every domain its own site, no limits). */
    volatile SiteShaping shaping = SiteShaping.NONE;
    /** Which next hops are this server; by default none, since every test sink is on 127.0.0.1. */
    volatile Myself myself = Myself.NOBODY;
    /** The transport table and sending addresses; null: those of the settings (smarthost key, no pools). */
    volatile Routing routing;

    DeliveryFixture() throws IOException {
        this(new MemorySpool());
    }

    DeliveryFixture(MemorySpool spool) throws IOException {
        this.spool = spool;
        dns = LoopbackDnsServer.start();
        resolver = new LoopbackResolver(dns.port());
    }

    /** Settings for fast tests: short timeouts and scans; other values at their defaults. */
    DeliverySettings.Builder settings(int remotePort) {
        return DeliverySettings.builder()
                .remotePort(remotePort)
                .heloName(HELO)
                .connectTimeout(Duration.ofSeconds(2))
                .replyTimeout(Duration.ofSeconds(5))
                .dataDoneTimeout(Duration.ofSeconds(5))
                .scanInterval(Duration.ofMillis(100));
    }

    DeliveryScheduler start(DeliverySettings settings) {
        MailDomains domains = new MailDomains() {
            @Override
            public boolean isLocal(String domain) {
                return localDomains.contains(domain.toLowerCase(Locale.ROOT));
            }

            @Override
            public boolean isRelayDomain(String domain) {
                return false;
            }

            @Override
            public Set<String> localDomains() {
                return Set.copyOf(localDomains);
            }
        };
        Connector connector = (socket, host, address, timeout) -> {
            if (!address.getAddress().isLoopbackAddress()) {
                throw new ConnectException("tests connect to loopback only, not " + address);
            }
            socket.connect(
                    new InetSocketAddress(address.getAddress(), ports.getOrDefault(host, address.getPort())), timeout);
        };
        scheduler = new DeliveryScheduler(
                settings,
                spool,
                resolver,
                () -> domainsKnown ? domains : null,
                outbound(),
                connector,
                Clock.systemDefaultZone(),
                new DomainSuspensions(),
                counters,
                myself,
                routing != null ? routing : Routing.of(settings));
        if (suppression != null) {
            scheduler.suppression(suppression);
        }
        if (events != null) {
            scheduler.events(events);
        }
        scheduler.shaping(shaping);
        scheduler.start();
        return scheduler;
    }

    OutboundServices outbound() {
        return new OutboundServices(() -> outboundTls, () -> signer);
    }

    /** MX records for a domain, each exchanger with an A record 127.0.0.1. */
    DeliveryFixture mx(String domain, Object... preferenceAndHost) {
        for (int i = 0; i < preferenceAndHost.length; i += 2) {
            String host = (String) preferenceAndHost[i + 1];
            dns.add(domain, Type.MX, preferenceAndHost[i] + " " + host + ".", 60);
            dns.add(host, Type.A, "127.0.0.1", 60);
        }
        return this;
    }

    /** A port on 127.0.0.1 where nothing listens: connections are refused. */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    static MailAddress address(String a) {
        if (a.isEmpty()) {
            return MailAddress.NULL_SENDER;
        }
        try {
            return MailAddress.parse(a);
        } catch (AddressSyntaxException e) {
            throw new IllegalArgumentException(a, e);
        }
    }

    static Envelope envelope(String from, List<String> to, Instant receivedAt, Map<String, String> params) {
        List<MailAddress> rcpts = new ArrayList<>();
        for (String t : to) {
            rcpts.add(address(t));
        }
        // as from a relay host (127.0.0.1): mail that originates here, which DKIM signs
        return new Envelope(
                address(from),
                rcpts,
                params,
                receivedAt,
                "127.0.0.1",
                "client.test",
                "mx",
                "",
                Origin.relayHost("127.0.0.1"));
    }

    QueuedMessage queue(String from, List<String> to, String content) {
        return spool.queue(envelope(from, to, Instant.now(), Map.of()), content);
    }

    /** A small RFC 5322 message with CRLF line ends. */
    static String message(String subject, String body) {
        return "From: Sender <sender@sender.test>\r\n"
                + "To: <rcpt@example.test>\r\n"
                + "Subject: " + subject + "\r\n"
                + "Message-ID: <" + subject.replace(' ', '-') + "@sender.test>\r\n"
                + "Date: Mon, 3 Feb 2025 10:00:00 +0000\r\n"
                + "\r\n"
                + body;
    }

    Optional<QueuedMessage> get(QueueId id) {
        return spool.get(id);
    }

    void awaitRemoved(QueueId id) {
        await().atMost(Duration.ofSeconds(20)).until(() -> spool.removed().contains(id));
    }

    /** Waits until the message's attempts reach n, and returns it. */
    QueuedMessage awaitAttempts(QueueId id, int n) {
        await().atMost(Duration.ofSeconds(20))
                .until(() -> spool.get(id).map(m -> m.attempts() >= n).orElse(false));
        // the scheduler releases the message after the update; wait for that too
        await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.inFlight() == 0);
        return spool.get(id).orElseThrow();
    }

    /** The DSNs queued so far (committed messages with the null sender). */
    List<MemorySpool.Queued> dsns() {
        return spool.committed().stream()
                .filter(c -> c.message().envelope().sender().isNullSender())
                .toList();
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.stop(Duration.ofSeconds(2));
        }
        dns.close();
        spool.close();
    }
}
