package org.karavel.relay.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.karavel.api.address.MailAddress;
import org.karavel.api.domain.MailDomains;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.net.RelayHosts;
import org.karavel.api.recipient.RecipientExpansion;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay policy as three services from one component: {@link MailDomains} for the bundles that
 * route mail, the {@code relay} {@link SmtpFilter} (ranked high, so it speaks before the other
 * filters), and {@link RelayHosts} for the listeners' client limit exceptions. A configuration change swaps the policy at once; the services stay registered.
 */
@Component(
        service = {MailDomains.class, SmtpFilter.class, RelayHosts.class},
        configurationPid = "org.karavel.relay",
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {SmtpFilter.NAME + "=relay", "service.ranking:Integer=1000"})
@Designate(ocd = RelayConfig.class)
public final class RelayComponent implements MailDomains, SmtpFilter, RelayHosts {
    private static final Logger LOG = LoggerFactory.getLogger(RelayComponent.class);

    private volatile RelayPolicy policy;
    private volatile LocalRecipients localRecipients;
    private ThreadPoolExecutor probes;
    /** The recipients of the relay domains; null when every one is accepted (no relay_recipients_file). */
    private volatile RelayRecipients relayRecipients;

    private ScheduledExecutorService watcher;
    /** Users and aliases (the auth bundle); null while it is not running. */
    private volatile RecipientExpansion expansion;

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindExpansion")
    void bindExpansion(RecipientExpansion e) {
        expansion = e;
    }

    void unbindExpansion(RecipientExpansion e) {
        if (expansion == e) {
            expansion = null;
        }
    }

    @Activate
    void activate(RelayConfig config) {
        apply(config);
    }

    @Modified
    void modified(RelayConfig config) {
        apply(config);
    }

    private void apply(RelayConfig config) {
        RelayPolicy next = RelayPolicy.from(config.local__domains(), config.relay__domains(), config.relay__hosts());
        LocalRecipients.Mode mode = LocalRecipients.Mode.parse(config.local__recipients());
        if (mode == null) {
            // a typo must not open the door to every local part: keep the strictest check
            LOG.error(
                    "org.karavel.relay: local_recipients = '{}' is not users, lmtp or any; using users",
                    config.local__recipients());
            mode = LocalRecipients.Mode.USERS;
        }
        localRecipients = new LocalRecipients(mode, mode == LocalRecipients.Mode.LMTP ? verifier(config) : null);
        relayRecipients(config.relay__recipients__file());
        policy = next;
        LOG.info("relay policy: {} local_recipients={}", next, mode.name().toLowerCase(Locale.ROOT));
    }

    /** The LMTP prober of {@code local_recipients = lmtp}; without a usable server every local recipient waits (4xx). */
    private LocalRecipients.Verifier verifier(RelayConfig config) {
        String[] hp = LmtpVerifier.hostPort(config.lmtp__server());
        if (hp == null) {
            LOG.error(
                    "org.karavel.relay: local_recipients = lmtp needs lmtp_server = host:port (now '{}'); "
                            + "local recipients get 451 4.3.0 until it is set",
                    config.lmtp__server());
            return r -> Verdict.defer(451, "4.3.0", "<" + r + ">: Temporary lookup failure")
                    .stage();
        }
        synchronized (this) {
            if (probes == null) {
                // blocking probes on threads of their own, never an SMTP I/O thread; a full queue is a 4xx
                AtomicInteger n = new AtomicInteger();
                probes = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1000), r -> {
                    Thread t = new Thread(r, "karavel-relay-verify-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
                probes.allowCoreThreadTimeOut(true);
            }
        }
        return new LmtpVerifier(
                hp[0],
                Integer.parseInt(hp[1]),
                org.karavel.api.net.MachineName.forSmtp(),
                Duration.ofSeconds(Math.max(0, config.verify__positive__seconds())),
                Duration.ofSeconds(Math.max(0, config.verify__negative__seconds())),
                Duration.ofSeconds(Math.max(1, config.verify__timeout__seconds())),
                probes,
                System::nanoTime);
    }

    /** Reads the relay recipient list (if any) and polls it every 2 s for edits. */
    private synchronized void relayRecipients(String setting) {
        if (watcher != null) {
            watcher.shutdownNow();
            watcher = null;
        }
        if (setting == null || setting.isBlank()) {
            relayRecipients = null;
            return;
        }
        Path file = Path.of(setting.strip());
        if (!file.isAbsolute()) {
            file = Path.of(System.getProperty("karaf.etc", "etc")).resolve(file);
        }
        RelayRecipients list = new RelayRecipients(file);
        relayRecipients = list;
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "karavel-relay-recipients-watch");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(
                () -> {
                    try {
                        list.reloadIfChanged();
                    } catch (RuntimeException e) {
                        LOG.warn("re-reading {} failed", list.file(), e);
                    }
                },
                2,
                2,
                TimeUnit.SECONDS);
    }

    @Deactivate
    synchronized void deactivate() {
        if (watcher != null) {
            watcher.shutdownNow();
            watcher = null;
        }
        if (probes != null) {
            probes.shutdownNow();
            probes = null;
        }
    }

    /** The policy in force (for tests and diagnostics). */
    RelayPolicy policy() {
        return policy;
    }

    @Override
    public boolean isLocal(String domain) {
        return policy.isLocal(domain);
    }

    @Override
    public boolean isRelayDomain(String domain) {
        return policy.isRelayDomain(domain);
    }

    @Override
    public Set<String> localDomains() {
        return policy.localDomains();
    }

    @Override
    public boolean isRelayHost(InetAddress client) {
        return client != null && policy.isRelayHost(client);
    }

    /** Marks a relay host's session so that the spam filters after this one exempt it. */
    @Override
    public CompletionStage<Verdict> connect(SessionView session) {
        markRelayHost(session);
        return Verdict.noOpinion().stage();
    }

    /**
     * Marks a relay host's session (again) at each recipient: a session that connected while this
     * bundle was being updated missed the mark at connect, and its message would otherwise count as
     * the Internet's (DMARC-checked, never DKIM-signed). No recipient is accepted without this filter
     * (required_filters), so every accepted message of a relay host carries the mark.
     */
    private void markRelayHost(SessionView session) {
        InetSocketAddress client = session.clientAddress();
        if (client != null && client.getAddress() != null && policy.isRelayHost(client.getAddress())) {
            session.attributes().put(SessionView.RELAY_CLIENT, Boolean.TRUE);
        }
    }

    @Override
    public CompletionStage<Verdict> rcptTo(SessionView session, EnvelopeView envelope, MailAddress recipient) {
        markRelayHost(session);
        InetSocketAddress client = session.clientAddress();
        InetAddress ip = client == null ? null : client.getAddress();
        RelayPolicy p = policy;
        Verdict verdict = p.recipient(
                recipient,
                ip,
                session.authenticatedUser().filter(u -> !u.isEmpty()).isPresent());
        if (verdict.isFinal()) {
            LOG.debug("{}: {} from {}", session.sessionId(), verdict, client);
            return verdict.stage();
        }
        if (!recipient.isAddressLiteral() && p.isLocal(recipient.domain())) {
            return localRecipients.check(recipient, expansion);
        }
        RelayRecipients listed = relayRecipients;
        if (listed != null && !recipient.isAddressLiteral() && p.isRelayDomain(recipient.domain())) {
            return listed.check(recipient).stage();
        }
        return verdict.stage();
    }
}
