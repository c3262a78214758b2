package org.karavel.clamav.internal;

import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.karavel.clamav.internal.ClamavSettings.FailMode;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code clamav} {@link SmtpFilter} service and metric source. It needs its configuration
 * ({@code etc/org.karavel.clamav.cfg}): installed but inactive without one. Ranked 50, after the
 * cheaper filters (relay 1000, dnsbl 500, greylist 400, authentication-results 100), so mail they
 * refuse is never streamed to clamd. The component registers the service itself so that a change of
 * {@code timeout_millis} changes the stage's time limit ({@code karavel.filter.timeout.ms}) with it.
 */
@Component(
        service = {},
        configurationPid = "org.karavel.clamav",
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ClamavConfig.class)
public final class ClamavComponent implements SmtpFilter, MetricSource {
    static final String NAME = "clamav";
    static final int RANKING = 50;
    /** The listener's limit is this much above timeout_millis, so that fail_mode answers, not the listener. */
    static final long STAGE_MARGIN_MILLIS = 5_000;
    /** Messages waiting for a scan thread; more fail at once (fail_mode) rather than pile up. */
    static final int QUEUE = 100;

    private static final Duration PING_LIMIT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(ClamavComponent.class);

    private final ClamavCounters counters = new ClamavCounters();
    private final WarningInterval failureWarnings = new WarningInterval(Duration.ofMinutes(1), System::nanoTime);
    private final WarningInterval sizeWarnings = new WarningInterval(Duration.ofMinutes(1), System::nanoTime);
    private final ThreadPoolExecutor scanThreads;
    private volatile ClamavFilter filter;
    private ServiceRegistration<?> registration;

    ClamavComponent(ClamavConfig config) {
        ClamavSettings s = ClamavSettings.from(config);
        AtomicInteger n = new AtomicInteger();
        scanThreads = new ThreadPoolExecutor(
                s.scanThreads(), s.scanThreads(), 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, "karavel-clamav-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        scanThreads.allowCoreThreadTimeOut(true);
        apply(s);
    }

    @Activate
    public ClamavComponent(ClamavConfig config, BundleContext context) {
        this(config);
        registration = context.registerService(
                new String[] {SmtpFilter.class.getName(), MetricSource.class.getName()},
                this,
                serviceProperties(filter.settings()));
        askClamd(filter.settings());
    }

    /** What the service shows of itself: its name, ranking and time limit. */
    static Dictionary<String, Object> serviceProperties(ClamavSettings s) {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(SmtpFilter.NAME, NAME);
        p.put(SmtpFilter.TIMEOUT_MILLIS, s.timeout().toMillis() + STAGE_MARGIN_MILLIS);
        p.put(MetricSource.SOURCE, NAME);
        p.put(Constants.SERVICE_RANKING, RANKING);
        return p;
    }

    @Modified
    void modified(ClamavConfig config) {
        ClamavSettings s = ClamavSettings.from(config);
        apply(s);
        if (registration != null) {
            registration.setProperties(serviceProperties(s));
        }
        askClamd(s);
    }

    /**
     * Asks clamd for PING when a configuration is applied, so the log says at once whether the
     * address is right and the socket may be used, not at the first message.
     */
    private void askClamd(ClamavSettings s) {
        ClamdCall.ping(s.address()).start(scanThreads, PING_LIMIT).whenComplete((answer, failure) -> {
            if (scanThreads.isShutdown()) {
                return; // stopped meanwhile: the answer no longer matters
            }
            if (failure == null && "PONG".equals(answer)) {
                LOG.info("clamav: clamd at {} answers", s.address());
                return;
            }
            Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            LOG.warn(
                    "clamav: clamd at {} does not answer PING ({}); until it does, messages {}",
                    s.address(),
                    cause == null ? "it said " + ClamavFilter.printable(answer) : cause.toString(),
                    s.failMode() == FailMode.OPEN ? "pass unscanned" : "are deferred");
        });
    }

    private void apply(ClamavSettings s) {
        // growing: the maximum first; shrinking: the core first (the pool refuses core > maximum)
        if (s.scanThreads() > scanThreads.getMaximumPoolSize()) {
            scanThreads.setMaximumPoolSize(s.scanThreads());
            scanThreads.setCorePoolSize(s.scanThreads());
        } else {
            scanThreads.setCorePoolSize(s.scanThreads());
            scanThreads.setMaximumPoolSize(s.scanThreads());
        }
        filter = new ClamavFilter(s, scanThreads, counters, failureWarnings, sizeWarnings);
        LOG.info("clamav: {}", s.describe());
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // the bundle is stopping and the framework took it down already
            }
            registration = null;
        }
        // scans under way fail as their channel is interrupted; those still waiting fail here
        for (Runnable waiting : scanThreads.shutdownNow()) {
            if (waiting instanceof ClamdCall<?> call) {
                call.cancel("the clamav filter stopped");
            }
        }
    }

    /** For tests: the filter of the configuration in force. */
    ClamavFilter filter() {
        return filter;
    }

    ClamavCounters counters() {
        return counters;
    }

    @Override
    public List<Metric> metrics() {
        return counters.metrics();
    }

    @Override
    public CompletionStage<Verdict> endOfMessage(SessionView session, EnvelopeView envelope, MessageView message) {
        return filter.endOfMessage(session, envelope, message);
    }
}
