package org.karavel.suppression.internal;

import java.io.IOException;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.karavel.api.address.MailAddress;
import org.karavel.api.events.MessageEvents;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.suppression.Suppression;
import org.karavel.api.suppression.SuppressionList;
import org.karavel.api.suppression.SuppressionPage;
import org.karavel.api.suppression.SuppressionQuery;
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
 * The {@code suppression} filter, the {@link SuppressionList} service (for delivery, the shell and
 * the admin API) and its {@link MetricSource}, as one component over one database. Ranked 900:
 * after the relay policy (1000), which marks relay_hosts clients and refuses relaying, before the
 * spam filters (dnsbl 500, greylist 400), which exempt applications anyway.
 */
@Component(
        service = {SmtpFilter.class, SuppressionList.class, MetricSource.class},
        configurationPid = "org.karavel.suppression",
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {
            SmtpFilter.NAME + "=suppression",
            "service.ranking:Integer=900",
            MetricSource.SOURCE + "=suppression"
        })
@Designate(ocd = SuppressionConfig.class)
public final class SuppressionComponent implements SmtpFilter, SuppressionList, MetricSource {
    private static final Logger LOG = LoggerFactory.getLogger(SuppressionComponent.class);

    private final SuppressionCounters counters = new SuppressionCounters();
    private final Clock clock = Clock.systemUTC();
    private volatile SuppressionDatabase database;
    private volatile SuppressionFilter filter;

    /** Absent: refusals are counted and logged, but no event goes out. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile MessageEvents events;

    /**
     * The fleet's shared list (org.karavel.redis, ranked above this one): when published, RCPT
     * lookups ask it (it answers from its local copy), so an entry made on another node refuses here.
     */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            target = "(karavel.store=redis)")
    volatile SuppressionList shared;

    @Activate
    public SuppressionComponent(SuppressionConfig config) throws IOException {
        SuppressionSettings s = SuppressionSettings.from(config);
        database = open(s);
        filter = newFilter(s, database);
    }

    private SuppressionDatabase open(SuppressionSettings s) throws IOException {
        MapDbSuppressionStore store = MapDbSuppressionStore.open(s.storeDirectory());
        SuppressionDatabase db = new SuppressionDatabase(store, s, clock);
        LOG.info("suppression: {} entries in {} ({})", store.size(), store.file(), s.describe());
        return db;
    }

    private SuppressionFilter newFilter(SuppressionSettings s, SuppressionDatabase db) {
        return new SuppressionFilter(
                s,
                () -> {
                    SuppressionList fleet = shared;
                    return fleet != null ? fleet : db;
                },
                counters,
                () -> events,
                clock);
    }

    @Modified
    void modified(SuppressionConfig config) throws IOException {
        SuppressionSettings s = SuppressionSettings.from(config);
        SuppressionDatabase current = database;
        if (s.storeDirectory().equals(current.settings().storeDirectory())) {
            current.settings(s);
            filter = newFilter(s, current);
            LOG.info("suppression: configuration changed ({})", s.describe());
            return;
        }
        // another directory: open it first, so that a failure leaves the current list working
        SuppressionDatabase next = open(s);
        database = next;
        filter = newFilter(s, next);
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
    public Optional<Suppression> find(String address) {
        return database.find(address);
    }

    @Override
    public Suppression add(Suppression entry) {
        return database.add(entry);
    }

    @Override
    public CompletionStage<Optional<Suppression>> permanentFailure(
            String address, String category, String reply, String queueId) {
        return database.permanentFailure(address, category, reply, queueId);
    }

    @Override
    public boolean remove(String address) {
        return database.remove(address);
    }

    @Override
    public SuppressionPage list(SuppressionQuery query) {
        return database.list(query);
    }

    @Override
    public long count() {
        return database.count();
    }

    @Override
    public int importEntries(Collection<Suppression> entries) {
        return database.importEntries(entries);
    }

    @Override
    public void exportEntries(Consumer<? super Suppression> sink) {
        database.exportEntries(sink);
    }

    @Override
    public List<Metric> metrics() {
        return counters.metrics(database::count);
    }

    long refusals() {
        return counters.refusals();
    }
}
