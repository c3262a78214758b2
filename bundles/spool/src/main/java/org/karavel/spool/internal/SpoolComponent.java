package org.karavel.spool.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.karavel.api.health.HealthCheck;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.PendingVisitor;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuePage;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Publishes the {@link DurableSpool} as the {@link Spool} service. A configuration change
 * re-activates the component (close, then open with the new settings): the spool is durable, so
 * nothing is lost, and consumers are re-bound by DS.
 */
@Component(
        service = {Spool.class, MetricSource.class, HealthCheck.class},
        configurationPid = "org.karavel.spool",
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true,
        property = MetricSource.SOURCE + "=spool")
@Designate(ocd = SpoolConfig.class)
public final class SpoolComponent implements Spool, MetricSource, HealthCheck {
    private volatile DurableSpool spool;
    private volatile String directory = "";

    @Activate
    void activate(SpoolConfig config) throws IOException {
        SpoolSettings settings = new SpoolSettings(
                SpoolSettings.resolveDirectory(config.directory(), System.getProperty("karaf.data")),
                config.inline__threshold__bytes(),
                config.max__batch(),
                config.max__spool__bytes(),
                config.min__free__disk__bytes(),
                config.draft__memory__bytes(),
                config.recent__content__bytes(),
                config.emergency__reserve__bytes());
        directory = settings.directory().toString();
        spool = DurableSpool.open(settings);
    }

    @Override
    public List<Metric> metrics() {
        DurableSpool s = spool;
        return s == null ? List.of() : s.metrics();
    }

    @Override
    public String name() {
        return "spool";
    }

    @Override
    public boolean ready() {
        DurableSpool s = spool;
        return s != null && s.isOpen();
    }

    @Override
    public String detail() {
        DurableSpool s = spool;
        if (s == null || !s.isOpen()) {
            return "closed";
        }
        String detail = "open in " + directory + ": " + s.size() + " message(s), " + s.bytes() + " bytes";
        return s.emergencyReserveReleased()
                ? detail
                        + "; emergency reserve released (the file system was full): new mail refused until space returns"
                : detail;
    }

    @Deactivate
    void deactivate() {
        spool.close();
    }

    @Override
    public MessageDraft create() throws IOException {
        return spool.create();
    }

    @Override
    public Optional<QueuedMessage> get(QueueId id) {
        return spool.get(id);
    }

    @Override
    public List<QueuedMessage> list() {
        return spool.list();
    }

    @Override
    public List<QueuedMessage> due(Instant now, int limit) {
        return spool.due(now, limit);
    }

    @Override
    public List<QueuedMessage> due(Instant now, int limit, Predicate<QueueId> skip) {
        return spool.due(now, limit, skip);
    }

    @Override
    public void setAside(QueueId id) {
        spool.setAside(id);
    }

    @Override
    public void putBack(QueueId id) {
        spool.putBack(id);
    }

    @Override
    public void forEachPending(PendingVisitor visitor) {
        spool.forEachPending(visitor);
    }

    @Override
    public QueuePage page(QueueId after, String domainKey, int limit) {
        return spool.page(after, domainKey, limit);
    }

    @Override
    public int flushPendingAt(String domainKey) {
        return spool.flushPendingAt(domainKey);
    }

    @Override
    public int size() {
        return spool.size();
    }

    @Override
    public InputStream openContent(QueueId id) throws IOException {
        return spool.openContent(id);
    }

    @Override
    public CompletionStage<Void> update(QueuedMessage message) {
        return spool.update(message);
    }

    @Override
    public CompletionStage<Boolean> remove(QueueId id) {
        return spool.remove(id);
    }

    @Override
    public boolean flush(QueueId id) {
        return spool.flush(id);
    }

    @Override
    public int flushAll() {
        return spool.flushAll();
    }

    @Override
    public void addListener(Runnable listener) {
        spool.addListener(listener);
    }

    @Override
    public void removeListener(Runnable listener) {
        spool.removeListener(listener);
    }
}
