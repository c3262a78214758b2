package org.karavel.dkim.internal;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.karavel.api.dns.Resolver;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
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
 * The {@code authentication-results} {@link SmtpFilter} and the {@code dkim} metric source. Ranked
 * low (100) so that cheaper refusals (relay, DNSBL) come first. Its stage limit (60 s) is above the
 * configurable time budget (at most 50 s), so slow DNS gives temperror results, never a 4xx.
 */
@Component(
        service = {SmtpFilter.class, MetricSource.class},
        configurationPid = "org.karavel.dkim",
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {
            SmtpFilter.NAME + "=authentication-results",
            SmtpFilter.TIMEOUT_MILLIS + ":Long=60000",
            MetricSource.SOURCE + "=dkim",
            "service.ranking:Integer=100"
        })
@Designate(ocd = DkimConfig.class)
public final class VerificationComponent implements SmtpFilter, MetricSource {
    private static final Logger LOG = LoggerFactory.getLogger(VerificationComponent.class);

    private final VerificationCounters counters = new VerificationCounters();
    private final Resolver resolver;
    private final ExecutorService worker;
    private volatile MessageAuthentication check;

    @Activate
    public VerificationComponent(@Reference(name = "resolver") Resolver resolver, DkimConfig config) {
        this.resolver = resolver;
        AtomicInteger n = new AtomicInteger();
        // two threads read messages and check signatures; the queue is unbounded because the SMTP
        // listener bounds the number of messages in flight
        this.worker = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "karavel-dkim-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        apply(config);
    }

    @Modified
    void modified(DkimConfig config) {
        apply(config);
    }

    @Deactivate
    void deactivate() {
        worker.shutdownNow();
    }

    private void apply(DkimConfig config) {
        VerificationSettings s = VerificationSettings.from(config);
        check = new MessageAuthentication(
                s,
                resolver,
                worker,
                counters,
                Clock.systemUTC(),
                () -> ThreadLocalRandom.current().nextInt(100));
        LOG.info(
                "dkim: enabled={} authserv_id={} listeners={} dmarc_reject={} strict_from={} dkim_body_length={} check_helo={} "
                        + "timeout={}s",
                s.enabled(),
                s.authservId(),
                s.listeners(),
                s.dmarcReject() ? "reject" : "none",
                s.strictFrom(),
                s.rejectUnsignedContent() ? "reject" : "fail",
                s.checkHelo(),
                s.timeout().toSeconds());
    }

    @Override
    public CompletionStage<Verdict> endOfMessage(SessionView session, EnvelopeView envelope, MessageView message) {
        return check.endOfMessage(session, envelope, message);
    }

    @Override
    public List<Metric> metrics() {
        return counters.metrics();
    }
}
