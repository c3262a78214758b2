package org.karavel.dnsbl.internal;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.karavel.api.address.MailAddress;
import org.karavel.api.dns.Resolver;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.status.StatusCheck;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code dnsbl} {@link SmtpFilter} service, ranked below the relay filter so relay refusals come
 * first. A configuration change swaps the filter; the counters and the service stay. The component
 * registers the service itself, with only its name and ranking: DS would publish the whole
 * configuration as service properties, the DQS key (read from {@code $[secret:...]}) included, for
 * {@code service:list} to print.
 */
@Component(
        service = {},
        configurationPid = "org.karavel.dnsbl",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = DnsblConfig.class)
public final class DnsblComponent implements SmtpFilter, MetricSource {
    private static final Logger LOG = LoggerFactory.getLogger(DnsblComponent.class);

    private final DnsblCounters counters = new DnsblCounters();
    private final Resolver resolver;
    private volatile DnsblFilter filter;
    private ServiceRegistration<?> registration;
    private ServiceRegistration<?> statusRegistration;

    private DnsblComponent(Resolver resolver, DnsblConfig config) {
        this.resolver = resolver;
        apply(config);
    }

    @Activate
    public DnsblComponent(@Reference(name = "resolver") Resolver resolver, DnsblConfig config, BundleContext context) {
        this(resolver, config);
        registration = context.registerService(
                new String[] {SmtpFilter.class.getName(), MetricSource.class.getName()}, this, serviceProperties());
        statusRegistration = context.registerService(StatusCheck.class, new BlocklistStatus(() -> filter), null);
    }

    /** What the service shows of itself: never a configuration value. */
    static Dictionary<String, Object> serviceProperties() {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(SmtpFilter.NAME, "dnsbl");
        p.put(MetricSource.SOURCE, "dnsbl");
        p.put(Constants.SERVICE_RANKING, 500);
        return p;
    }

    @Deactivate
    void deactivate() {
        if (statusRegistration != null) {
            try {
                statusRegistration.unregister();
            } catch (IllegalStateException e) {
                // taken down with the bundle already
            }
            statusRegistration = null;
        }
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // the bundle is stopping and the framework took it down already
            }
            registration = null;
        }
    }

    @Modified
    void modified(DnsblConfig config) {
        apply(config);
    }

    private void apply(DnsblConfig config) {
        DnsblSettings s = DnsblSettings.from(config);
        filter = new DnsblFilter(s, resolver, counters);
        // the query zones are not logged: with a DQS key they hold the key
        LOG.info(
                "dnsbl: enabled={} zen={} ({}) dbl={} ({}) check_helo={} pass_list={}",
                s.enabled(),
                s.zenName(),
                s.zenAction(),
                s.dblName(),
                s.dblAction(),
                s.checkHelo(),
                s.passList());
    }

    /** Lookups, listings, error answers and failures since start (for metrics). */
    DnsblCounters counters() {
        return counters;
    }

    @Override
    public List<Metric> metrics() {
        return counters.metrics();
    }

    @Override
    public CompletionStage<Verdict> connect(SessionView session) {
        return filter.connect(session);
    }

    @Override
    public CompletionStage<Verdict> mailFrom(SessionView session, EnvelopeView envelope, MailAddress sender) {
        return filter.mailFrom(session, envelope, sender);
    }

    @Override
    public CompletionStage<Verdict> rcptTo(SessionView session, EnvelopeView envelope, MailAddress recipient) {
        return filter.rcptTo(session, envelope, recipient);
    }

    @Override
    public CompletionStage<Verdict> endOfMessage(SessionView session, EnvelopeView envelope, MessageView message) {
        return filter.endOfMessage(session, envelope, message);
    }
}
