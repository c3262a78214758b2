package org.karavel.status.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.karavel.api.dns.Resolver;
import org.karavel.api.domain.MailDomains;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.queue.Spool;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;
import org.karavel.api.status.StatusChecks;
import org.karavel.api.status.StatusReport;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes {@link StatusChecks}: its own DNS and access checks plus every {@link StatusCheck} other
 * bundles publish, run on demand and once a day (the first ten minutes after start), the daily
 * report's changes mailed to postmaster.
 */
@Component(
        service = StatusChecks.class,
        configurationPid = "org.karavel.status",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = StatusConfig.class)
public final class StatusComponent implements StatusChecks {
    private static final Logger LOG = LoggerFactory.getLogger(StatusComponent.class);
    static final Duration FIRST_DAILY_RUN = Duration.ofMinutes(10);

    private final List<StatusCheck> contributed = new CopyOnWriteArrayList<>();
    private final List<StatusCheck> own;
    private final SetupSource setups;
    private final StatusConfig config;
    private final Clock clock = Clock.systemUTC();
    private final Path lastDaily;
    private final ScheduledExecutorService daily;
    /** For checks that must wait on something other than DNS (a process): never the daily thread. */
    private final ExecutorService blocking = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "karavel-status-check");
        t.setDaemon(true);
        return t;
    });

    private volatile StatusReport last;

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MailDomains domains;

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configAdmin;

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Spool spool;

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            target = "(" + MetricSource.SOURCE + "=smtp)")
    private volatile MetricSource smtpFigures;

    @Activate
    public StatusComponent(@Reference(name = "resolver") Resolver resolver, StatusConfig config) {
        this.config = config;
        DnsAnswers dns = new DnsAnswers(resolver);
        Path etc = Path.of(System.getProperty("karaf.etc", "etc"));
        this.own = List.of(
                new MxCheck(dns),
                new HostAddressCheck(dns),
                new DmarcRecordCheck(dns),
                new MtaStsRecordCheck(dns),
                new TlsReportingCheck(dns),
                new ReverseDnsCheck(dns),
                new ClockCheck(blocking),
                new RefusalsCheck(() -> smtpFigures),
                new OutboundPortCheck(probe(config), blocking),
                new AccessCheck(() -> configAdmin, etc));
        this.setups = new SetupSource(config, () -> domains, () -> configAdmin);
        this.lastDaily = Path.of(System.getProperty("karaf.data", "data"), "status", "last-daily-report.tsv");
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "karavel-status-daily");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        this.daily = timer;
        if (config.daily()) {
            daily.scheduleAtFixedRate(
                    this::runDaily,
                    FIRST_DAILY_RUN.toMinutes(),
                    Duration.ofDays(1).toMinutes(),
                    TimeUnit.MINUTES);
        }
    }

    @Reference(
            service = StatusCheck.class,
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            unbind = "removeCheck")
    void addCheck(StatusCheck check) {
        contributed.add(check);
    }

    void removeCheck(StatusCheck check) {
        contributed.remove(check);
    }

    private static InetSocketAddress probe(StatusConfig config) {
        try {
            return OutboundPortCheck.parse(config.outbound__probe());
        } catch (IllegalArgumentException e) {
            LOG.error("etc/org.karavel.status.cfg: {}; the outbound port 25 check is off", e.getMessage());
            return null;
        }
    }

    @Deactivate
    void deactivate() {
        daily.shutdownNow();
        blocking.shutdownNow();
    }

    @Override
    public CompletionStage<StatusReport> run() {
        Setup setup;
        try {
            setup = setups.setup();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        List<StatusCheck> all = new ArrayList<>(own);
        all.addAll(contributed);
        return CheckRun.run(all, setup, Duration.ofSeconds(Math.max(1, config.check__timeout__seconds())), clock)
                .thenApply(r -> {
                    last = r;
                    return r;
                });
    }

    @Override
    public Optional<StatusReport> last() {
        return Optional.ofNullable(last);
    }

    private void runDaily() {
        try {
            StatusReport now = run().toCompletableFuture().get(10, TimeUnit.MINUTES);
            StatusReport before = ReportChanges.load(lastDaily);
            ReportChanges.save(lastDaily, now);
            List<String> changes =
                    ReportChanges.between(before == null ? List.of() : before.findings(), now.findings());
            LOG.info(
                    "status checks: {} ok, {} warning(s), {} error(s); {} change(s) since the last daily run",
                    now.count(Finding.Level.OK),
                    now.count(Finding.Level.WARNING),
                    now.count(Finding.Level.ERROR),
                    changes.size());
            if (!changes.isEmpty() && config.notify__postmaster()) {
                new PostmasterNotice(spool, domains, setups.setup().hostName(), clock).send(changes);
            }
        } catch (IOException e) {
            LOG.warn("status checks: cannot keep the daily report in {}: {}", lastDaily, e.toString());
        } catch (Exception e) {
            LOG.warn("status checks: the daily run failed: {}", e.toString());
        }
    }
}
