package org.karavel.rspamd.internal;

import java.net.http.HttpClient;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
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
 * The {@code rspamd} {@link SmtpFilter} and metric source. It exists only once
 * {@code etc/org.karavel.rspamd.cfg} does (the bundle is installed in every distribution). Ranked 50,
 * last: the cheaper refusals (relay, DNSBL, greylisting) spare Rspamd the work. The component
 * registers its service itself with its name, ranking and time limit only: DS would publish the
 * whole configuration, the password included, for {@code service:list} to print. The time limit
 * ({@code karavel.filter.timeout.ms}) is five seconds above {@code timeout_millis}, so that a slow
 * Rspamd meets the fail mode rather than the listener's 451 4.3.0.
 */
@Component(
        service = {},
        configurationPid = "org.karavel.rspamd",
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = RspamdConfig.class)
public final class RspamdComponent implements SmtpFilter, MetricSource {
    private static final Logger LOG = LoggerFactory.getLogger(RspamdComponent.class);
    /** After clamav (50): a virus is refused by name before Rspamd spends time scoring it. */
    static final int RANKING = 40;

    private final RspamdCounters counters = new RspamdCounters();
    private final AtomicLong lastWarning = new AtomicLong();
    private final ExecutorService http;
    private volatile RspamdFilter filter;
    private ServiceRegistration<?> registration;

    RspamdComponent(RspamdConfig config) {
        AtomicInteger n = new AtomicInteger();
        // the HTTP client's threads read the message from the spool and parse answers, never MINA's
        this.http = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "karavel-rspamd-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        apply(config);
    }

    @Activate
    public RspamdComponent(RspamdConfig config, BundleContext context) {
        this(config);
        registration = context.registerService(
                new String[] {SmtpFilter.class.getName(), MetricSource.class.getName()},
                this,
                serviceProperties(filter.settings()));
    }

    /** What the service shows of itself: its name, ranking and time limit, never a configuration value. */
    static Dictionary<String, Object> serviceProperties(RspamdSettings settings) {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(SmtpFilter.NAME, "rspamd");
        p.put(SmtpFilter.TIMEOUT_MILLIS, settings.stageTimeoutMillis());
        p.put(MetricSource.SOURCE, "rspamd");
        p.put(Constants.SERVICE_RANKING, RANKING);
        return p;
    }

    @Modified
    void modified(RspamdConfig config) {
        apply(config);
        if (registration != null) {
            registration.setProperties(serviceProperties(filter.settings()));
        }
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
        http.shutdownNow();
    }

    private void apply(RspamdConfig config) {
        RspamdSettings s = RspamdSettings.from(config);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(s.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(http)
                .build();
        filter = new RspamdFilter(s, client, counters, lastWarning);
        LOG.info("rspamd: {}", s);
    }

    RspamdCounters counters() {
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
