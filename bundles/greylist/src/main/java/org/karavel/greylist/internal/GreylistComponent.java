package org.karavel.greylist.internal;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.fleet.SharedGreylist;
import org.karavel.api.greylist.Greylist;
import org.karavel.api.greylist.GreylistEntry;
import org.karavel.api.greylist.GreylistStats;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
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
 * The {@code greylist} filter, the {@link Greylist} service for the shell and admin API, and the
 * greylist's {@link MetricSource}, as one component over one database. Ranked 400: after relay
 * (1000) and dnsbl (500), so mail they refuse never creates a triplet.
 */
@Component(
        service = {SmtpFilter.class, Greylist.class, MetricSource.class},
        configurationPid = "org.karavel.greylist",
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {SmtpFilter.NAME + "=greylist", "service.ranking:Integer=400", MetricSource.SOURCE + "=greylist"})
@Designate(ocd = GreylistConfig.class)
public final class GreylistComponent implements SmtpFilter, Greylist, MetricSource {
    private static final Logger LOG = LoggerFactory.getLogger(GreylistComponent.class);
    private static final long SHARED_ALLOW_SECONDS = 5;

    private final GreylistCounters counters = new GreylistCounters();
    private volatile GreylistDatabase database;
    private volatile GreylistFilter filter;

    /** The fleet's greylist (org.karavel.redis, when a Redis is configured); absent: the embedded one decides. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile SharedGreylist shared;

    private final SharedDecisions sharedDecisions = new SharedDecisions(() -> shared, counters, Clock.systemUTC());

    @Activate
    public GreylistComponent(GreylistConfig config) throws IOException {
        GreylistSettings s = GreylistSettings.from(config);
        database = open(s);
        filter = new GreylistFilter(s, database, counters, sharedDecisions);
    }

    private GreylistDatabase open(GreylistSettings s) throws IOException {
        MapDbTripletStore store = MapDbTripletStore.open(s.storeDirectory());
        GreylistDatabase db = new GreylistDatabase(store, s, Clock.systemUTC(), counters);
        LOG.info("greylist: {} in {} ({})", s.enabled() ? "on" : "off", store.file(), GreylistDatabase.describe(s));
        return db;
    }

    @Modified
    void modified(GreylistConfig config) throws IOException {
        GreylistSettings s = GreylistSettings.from(config);
        GreylistDatabase current = database;
        if (s.storeDirectory().equals(current.settings().storeDirectory())) {
            current.settings(s);
            filter = new GreylistFilter(s, current, counters, sharedDecisions);
            LOG.info("greylist: configuration changed ({})", GreylistDatabase.describe(s));
            return;
        }
        // another directory: open it first, so that a failure leaves the current database working
        GreylistDatabase next = open(s);
        database = next;
        filter = new GreylistFilter(s, next, counters, sharedDecisions);
        current.close();
    }

    @Deactivate
    void deactivate() {
        database.close();
    }

    @Override
    public CompletionStage<Verdict> rcptTo(SessionView session, EnvelopeView envelope, MailAddress recipient) {
        return filter.rcptTo(session, envelope, recipient);
    }

    @Override
    public List<GreylistEntry> entries(int limit) {
        return database.entries(limit);
    }

    @Override
    public void allow(String clientNetworkOrIp, String sender, String recipient) {
        GreylistDatabase db = database;
        db.allow(clientNetworkOrIp, sender, recipient);
        SharedGreylist fleet = shared;
        if (fleet == null) {
            return;
        }
        String[] entry = db.operatorEntry(clientNetworkOrIp, sender, recipient);
        try {
            fleet.allow(entry[0], entry[1], entry[2]).toCompletableFuture().get(SHARED_ALLOW_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while telling the shared greylist", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "allowed on this node only: the shared greylist (Redis) did not take it: " + e.getMessage(), e);
        }
    }

    @Override
    public GreylistStats stats() {
        return database.stats();
    }

    @Override
    public List<Metric> metrics() {
        return database.metrics();
    }
}
