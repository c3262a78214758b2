package org.karavel.examples.contentfilter;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An example {@link SmtpFilter}: at end of message, refuses mail whose Subject or a body line
 * matches a configured pattern, or that carries an attachment with an executable file extension.
 *
 * <p>It overrides one stage only; every other stage keeps the SPI's "no opinion". Reading the
 * content may touch disk, so it runs on this bundle's own thread, never on the caller's.
 * Ranked 100: after the relay policy (1000), DNSBL (500) and greylisting (400).
 */
@Component(
        service = SmtpFilter.class,
        configurationPid = "org.karavel.examples.contentfilter",
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {
            SmtpFilter.NAME + "=content-filter",
            SmtpFilter.TIMEOUT_MILLIS + ":Long=20000",
            "service.ranking:Integer=100"
        })
@Designate(ocd = ContentFilterConfig.class)
public final class ContentFilter implements SmtpFilter {
    private static final Logger LOG = LoggerFactory.getLogger(ContentFilter.class);

    private final ExecutorService scanner = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "karavel-content-filter");
        t.setDaemon(true);
        return t;
    });
    private volatile ContentRules rules;
    private volatile String replyText;
    private volatile Set<String> listeners;

    @Activate
    public ContentFilter(ContentFilterConfig config) {
        apply(config);
    }

    @Modified
    void modified(ContentFilterConfig config) {
        apply(config);
    }

    @Deactivate
    void deactivate() {
        scanner.shutdownNow();
    }

    private void apply(ContentFilterConfig config) {
        ContentRules next = new ContentRules(
                config.subject__patterns(),
                config.body__patterns(),
                config.blocked__extensions(),
                config.max__scan__bytes());
        next.problems().forEach(p -> LOG.error("etc/org.karavel.examples.contentfilter.cfg: {}", p));
        rules = next;
        replyText = config.reply__text();
        listeners = Set.of(config.listeners());
    }

    @Override
    public CompletionStage<Verdict> endOfMessage(SessionView session, EnvelopeView envelope, MessageView message) {
        if (!listeners.isEmpty() && !listeners.contains(session.listenerName())) {
            return Verdict.noOpinion().stage();
        }
        ContentRules r = rules;
        Optional<String> broken = r.checkSubject(message.header("Subject"));
        if (broken.isPresent() || !r.scansContent()) {
            return verdict(session, broken).stage();
        }
        return CompletableFuture.supplyAsync(
                () -> {
                    try (InputStream in = message.open()) {
                        return verdict(session, r.checkContent(in));
                    } catch (IOException e) {
                        throw new CompletionException(e); // the listener answers 451 4.3.0 and logs it
                    }
                },
                scanner);
    }

    private Verdict verdict(SessionView session, Optional<String> broken) {
        if (broken.isEmpty()) {
            return Verdict.noOpinion();
        }
        LOG.info(
                "{}: content-filter refused a message from {}: {}",
                session.sessionId(),
                session.clientAddress(),
                broken.get());
        return Verdict.reject(554, "5.7.1", replyText + " (" + broken.get() + ")");
    }

    /** For tests: the rules in force. */
    List<String> problems() {
        return rules.problems();
    }
}
