package org.karavel.delivery.internal;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.karavel.api.dkim.OutboundSigner;
import org.karavel.api.dns.Resolver;
import org.karavel.api.domain.MailDomains;
import org.karavel.api.events.MessageEvents;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.net.MachineName;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.RecipientStatus;
import org.karavel.api.queue.Spool;
import org.karavel.api.shaping.ConnectionSlots;
import org.karavel.api.shaping.LocalRateLimiter;
import org.karavel.api.shaping.RateLimiter;
import org.karavel.api.shaping.SitePolicies;
import org.karavel.api.shaping.SiteTraffic;
import org.karavel.api.suppression.SuppressionList;
import org.karavel.api.tls.OutboundTls;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OSGi face of delivery: reads the configuration and runs a {@link DeliveryScheduler} while the
 * spool and the resolver are there. A configuration change restarts it (running attempts finish or
 * stay pending).
 */
@Component(
        configurationPid = "org.karavel.delivery",
        immediate = true,
        service = {DeliveryControl.class, MetricSource.class, SiteTraffic.class},
        property = MetricSource.SOURCE + "=delivery")
@Designate(ocd = DeliveryConfig.class)
public class DeliveryComponent implements DeliveryControl, MetricSource, SiteTraffic {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryComponent.class);
    /** How long running attempts may go on after a stop before their connections are cut. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    @Reference
    private Spool spool;

    @Reference
    private Resolver resolver;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile MailDomains domains;

    /** Absent: remote delivery defers (fail closed), local delivery goes on. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile OutboundTls outboundTls;

    /** Absent: mail leaves unsigned. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile OutboundSigner signer;

    /** Where the smtp listeners listen (their factory configurations), for the loop check; absent: none known. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configurationAdmin;

    /** Message events for senders' applications; without the service none are published. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MessageEvents messageEvents;

    /** Hard bounces are handed to it; absent: no recipient is suppressed. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile SuppressionList suppressionList;

    /** The source addresses (factory configurations org.karavel.delivery.source-*). */
    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<SourceComponent> sources = List.of();

    /** The pools of source addresses (factory configurations org.karavel.delivery.pool-*). */
    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<PoolComponent> pools = List.of();

    /** Absent: every domain is its own site, without limits of its own. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile SitePolicies sitePolicies;

    /** The rate budgets (the shaping bundle's in-process one, or a shared store); absent: an in-process one. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RateLimiter rateLimiter;

    private final LocalRateLimiter localLimiter = new LocalRateLimiter();

    /** A site's max_connections across the fleet (a shared store's); absent: this node counts its own. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConnectionSlots connectionSlots;

    private volatile DeliveryScheduler scheduler;
    private volatile OperatorControl control;

    @Activate
    void activate(DeliveryConfig config, BundleContext context) {
        DeliverySettings settings = DeliverySettings.from(config, System.getProperty("karaf.data"), hostName(config));
        ListenerAddresses listeners = new ListenerAddresses(() -> configurationAdmin);
        Myself myself = new Myself(
                listeners::addresses, settings.proxyInterfaces(), () -> listeners.hostNames(settings.heloName()));
        scheduler = new DeliveryScheduler(
                settings,
                spool,
                resolver,
                () -> domains,
                new OutboundServices(() -> outboundTls, () -> signer),
                Connector.PLAIN,
                Clock.systemDefaultZone(),
                new DomainSuspensions(),
                new DeliveryCounters(),
                myself,
                routing(config, settings, context));
        scheduler.events(new MessageEventsOut(() -> messageEvents));
        scheduler.shaping(new SiteShaping(
                () -> sitePolicies, () -> rateLimiter != null ? rateLimiter : localLimiter, () -> connectionSlots));
        control = new OperatorControl(scheduler, spool);
        scheduler.suppression(new RecipientSuppression(() -> suppressionList));
        scheduler.start();
        LOG.info(
                "delivery started: helo {}, {} connections ({} per destination), local transport {}{}",
                settings.heloName(),
                settings.maxConnections(),
                settings.maxConnectionsPerDestination(),
                settings.lmtp() == null ? "maildir " + settings.maildirRoot() : "lmtp " + settings.lmtp(),
                settings.smarthost() == null ? "" : ", smarthost " + settings.smarthost());
        if (outboundTls == null) {
            LOG.warn(
                    "no outbound TLS policy service (bundle org.karavel.tls): remote mail is deferred until it is there");
        }
    }

    /** The transport table file and the source addresses and pools, as they are configured now and later. */
    private Routing routing(DeliveryConfig config, DeliverySettings settings, BundleContext context) {
        String etc = System.getProperty("karaf.etc");
        Path table = config.transport__table().isBlank()
                ? Path.of(etc == null ? "etc" : etc, "karavel.transport")
                : Path.of(config.transport__table().trim());
        String dirs = context == null ? null : context.getProperty(SecretReference.SECRETS_DIRS);
        TransportTable.Secrets secrets = new TransportTable.Secrets(SecretReference.directories(dirs), System::getenv);
        SendingAddresses sending = new SendingAddresses(
                () -> sources.stream()
                        .map(SourceComponent::source)
                        .filter(Objects::nonNull)
                        .toList(),
                () -> pools.stream()
                        .map(PoolComponent::pool)
                        .filter(Objects::nonNull)
                        .toList(),
                () -> rateLimiter != null ? rateLimiter : localLimiter,
                Clock.systemDefaultZone());
        return new Routing(
                new TransportTableFile(
                        table, TransportTableFile.CHECK_INTERVAL, secrets, SmtpTransport.legacySmarthost(settings)),
                sending);
    }

    @Deactivate
    void deactivate() {
        if (scheduler != null) {
            control = null;
            scheduler.stop(STOP_GRACE);
            scheduler = null;
        }
        LOG.info("delivery stopped");
    }

    @Override
    public CompletionStage<Boolean> bounce(QueueId id, String reason) {
        return control().bounce(id, reason);
    }

    @Override
    public String failureCategory(RecipientStatus recipient) {
        DeliveryScheduler s = scheduler;
        return s == null ? "" : s.failureCategory(recipient);
    }

    @Override
    public int flushDomain(String domain) {
        return control().flushDomain(domain);
    }

    @Override
    public void suspend(String domain) {
        control().suspend(domain);
    }

    @Override
    public boolean resume(String domain) {
        return control().resume(domain);
    }

    @Override
    public Set<String> suspendedDomains() {
        return control().suspendedDomains();
    }

    @Override
    public List<Metric> metrics() {
        DeliveryScheduler s = scheduler;
        if (s == null) {
            return List.of();
        }
        List<Metric> m = new ArrayList<>(
                s.counters().metrics(s.inFlight(), s.suspensions().all().size()));
        m.add(SiteShaping.connectionsMetric(s.admission().siteConnections()));
        return m;
    }

    @Override
    public String siteOf(String domain) {
        DeliveryScheduler s = scheduler;
        String site = s == null ? null : s.admission().shaping().cachedSite(domain);
        return site == null ? "" : site;
    }

    @Override
    public Map<String, Load> sites() {
        DeliveryScheduler s = scheduler;
        if (s == null) {
            return Map.of();
        }
        Map<String, Integer> open = s.admission().siteConnections();
        Map<String, Integer> sent = s.admission().shaping().rates.lastMinute(Instant.now());
        Map<String, Load> out = new TreeMap<>();
        open.forEach((site, n) -> out.put(site, new Load(n, sent.getOrDefault(site, 0))));
        sent.forEach((site, n) -> out.putIfAbsent(site, new Load(0, n)));
        return out;
    }

    private OperatorControl control() {
        OperatorControl c = control;
        if (c == null) {
            throw new IllegalStateException("delivery is stopped");
        }
        return c;
    }

    /** The configured name, or the canonical host name (looked up only when none is configured). */
    private static String hostName(DeliveryConfig config) {
        if (!config.helo__name().isBlank()) {
            return config.helo__name().trim();
        }
        String name = MachineName.forSmtp();
        if (name.startsWith("[")) {
            // an address literal (RFC 5321 4.1.3), which many receivers distrust
            LOG.warn("this host has no name in DNS: EHLO says {}; set helo_name in etc/org.karavel.delivery.cfg", name);
        }
        return name;
    }
}
