package org.karavel.events.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One webhook endpoint per file {@code etc/org.karavel.events.webhook-<name>.cfg}. A setting that
 * cannot work is an ERROR naming the file and the key, and this endpoint stays off; the others and
 * the outbox go on. Saving the file restarts the endpoint (and retries a parked one at once).
 */
@Component(
        configurationPid = "org.karavel.events.webhook",
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {},
        immediate = true)
@Designate(ocd = WebhookConfig.class, factory = true)
public final class WebhookComponent {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookComponent.class);
    static final String FILE_PREFIX = "org.karavel.events.webhook-";

    private final ScheduledExecutorService timer;
    private final ExecutorService httpThreads;
    private Webhook webhook;

    @Activate
    public WebhookComponent(@Reference EventStore store, WebhookConfig config, Map<String, Object> properties) {
        String file = file(properties);
        timer = Executors.newSingleThreadScheduledExecutor(threads("karavel-events-webhook"));
        httpThreads = Executors.newFixedThreadPool(2, threads("karavel-events-http"));
        WebhookSettings settings;
        try {
            settings = WebhookSettings.from(config, nameOf(file));
        } catch (WebhookSettings.Bad e) {
            LOG.error("events: {}: {}: {}; this webhook is off, the others work", file, e.key, e.getMessage());
            return;
        }
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .executor(httpThreads)
                .build();
        Webhook w = new Webhook(settings, store.outbox(), store.counters(), http, timer, Clock.systemUTC());
        try {
            w.start();
            webhook = w;
        } catch (IOException e) {
            LOG.error("events: {}: cannot keep its cursor in the outbox: {}; this webhook is off", file, e.toString());
        }
    }

    @Deactivate
    void deactivate() {
        if (webhook != null) {
            webhook.stop();
        }
        timer.shutdownNow();
        httpThreads.shutdownNow();
    }

    /** The file Felix FileInstall read, else the configuration's PID. */
    static String file(Map<String, Object> properties) {
        Object f = properties.get("felix.fileinstall.filename");
        if (f != null && !f.toString().isBlank()) {
            String s = f.toString();
            try {
                return s.startsWith("file:") ? Path.of(URI.create(s)).toString() : s;
            } catch (IllegalArgumentException | FileSystemNotFoundException e) {
                return s;
            }
        }
        return "configuration " + properties.getOrDefault("service.pid", "org.karavel.events.webhook");
    }

    /** {@code app} of {@code .../org.karavel.events.webhook-app.cfg}; empty if not such a file. */
    static String nameOf(String file) {
        String base = Path.of(file).getFileName().toString();
        if (base.startsWith(FILE_PREFIX) && base.endsWith(".cfg")) {
            return base.substring(FILE_PREFIX.length(), base.length() - ".cfg".length());
        }
        return "";
    }

    private static ThreadFactory threads(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
