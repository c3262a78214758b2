package org.karavel.spool.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueueId;
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
@Component(service = Spool.class, configurationPid = "org.karavel.spool",
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true)
@Designate(ocd = SpoolConfig.class)
public final class SpoolComponent implements Spool {
    private volatile DurableSpool spool;

    @Activate
    void activate(SpoolConfig config) throws IOException {
        SpoolSettings settings = new SpoolSettings(
                SpoolSettings.resolveDirectory(config.directory(), System.getProperty("karaf.data")),
                config.inline__threshold__bytes(),
                config.max__batch(),
                config.max__spool__bytes(),
                config.min__free__disk__bytes(),
                config.draft__memory__bytes());
        spool = DurableSpool.open(settings);
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
