package org.karavel.tls.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.dns.Resolver;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the TLS-RPT reports of each finished UTC day: for every policy domain counted that day,
 * the {@code _smtp._tls} TXT record gives the {@code rua} URIs; {@code mailto:} ones get one report
 * mail queued through the spool, {@code https:} ones a POST of the gzipped JSON. A day is
 * forgotten once its reports went out; without a spool it waits for one.
 */
final class TlsReportSender {
    private static final Logger LOG = LoggerFactory.getLogger(TlsReportSender.class);
    private static final Logger MAIL_LOG = LoggerFactory.getLogger("karavel.mail");

    private final TlsReportLog log;
    private final Resolver resolver;
    private final Supplier<Spool> spool;
    private final HttpsRequest https;
    private final Executor executor;
    private final String submitter;
    private final String organization;
    private final String contact;
    private final MailAddress from;
    private final Clock clock;

    TlsReportSender(
            TlsReportLog log,
            Resolver resolver,
            Supplier<Spool> spool,
            HttpsRequest https,
            Executor executor,
            String submitter,
            String organization,
            String contact,
            MailAddress from,
            Clock clock) {
        this.log = log;
        this.resolver = resolver;
        this.spool = spool;
        this.https = https;
        this.executor = executor;
        this.submitter = submitter;
        this.organization = organization;
        this.contact = contact;
        this.from = from;
        this.clock = clock;
    }

    /** Sends the reports of every day before today (UTC) that has counts. Blocking: run on the report thread. */
    void sendFinishedDays() {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        for (LocalDate day : log.days()) {
            if (day.isBefore(today)) {
                if (spool.get() == null) {
                    LOG.info("TLS-RPT reports of {} wait: no spool to queue them", day);
                    return;
                }
                sendDay(day);
                log.forget(day);
            }
        }
    }

    /** Sends one day's reports; a domain that fails is logged and skipped (reports are best effort). */
    void sendDay(LocalDate day) {
        Map<String, Map<TlsReportLog.Policy, TlsReportLog.Counts>> byDomain = new LinkedHashMap<>();
        log.day(day)
                .forEach((policy, counts) -> byDomain.computeIfAbsent(policy.domain(), d -> new LinkedHashMap<>())
                        .put(policy, counts));
        byDomain.forEach((domain, policies) -> {
            TlsReport report = new TlsReport(submitter, organization, contact, domain, day, policies);
            try {
                List<String> rua = TlsReport.rua(resolver.txt("_smtp._tls." + domain)
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS));
                if (!rua.isEmpty()) {
                    deliver(report, rua);
                }
            } catch (ExecutionException e) {
                LOG.debug("no TLS-RPT record for {}: {}", domain, e.getCause().toString());
            } catch (TimeoutException e) {
                LOG.warn("TLS-RPT report of {} for {} dropped: DNS timeout", domain, day);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException e) {
                LOG.warn("TLS-RPT report of {} for {} not sent: {}", domain, day, e.toString());
            }
        });
    }

    private void deliver(TlsReport report, List<String> rua) throws IOException, InterruptedException {
        List<MailAddress> mailto = new ArrayList<>();
        for (String uri : rua) {
            if (uri.startsWith("mailto:")) {
                String address = URLDecoder.decode(uri.substring(7).split("\\?", 2)[0], StandardCharsets.UTF_8);
                try {
                    mailto.add(MailAddress.parse(address));
                } catch (AddressSyntaxException e) {
                    LOG.warn("TLS-RPT rua of {} ignored: {}: {}", report.domain(), uri, e.getMessage());
                }
            } else {
                post(report, URI.create(uri));
            }
        }
        if (!mailto.isEmpty()) {
            queue(report, mailto);
        }
    }

    /** Queues the report mail; the stage completes when it is on disk. */
    CompletionStage<?> queue(TlsReport report, List<MailAddress> to) throws IOException {
        Spool target = spool.get();
        if (target == null) {
            throw new IOException("no spool");
        }
        MessageDraft draft = target.create();
        try {
            draft.write(report.mail(
                    from.toString(),
                    to.stream().map(MailAddress::toString).toList(),
                    clock.instant().atZone(ZoneOffset.UTC)));
            Envelope envelope =
                    new Envelope(from, to, Map.of(), clock.instant(), "", "", "local", "", Origin.local("tls report"));
            return draft.commit(envelope).whenComplete((queued, e) -> {
                if (e != null) {
                    draft.abort();
                    LOG.warn("TLS-RPT report of {} not queued: {}", report.domain(), e.toString());
                } else {
                    MAIL_LOG.info(MailLogLine.tlsReport(queued.id(), from, queued.size(), to.size(), report.domain()));
                }
            });
        } catch (IOException | RuntimeException e) {
            draft.abort();
            throw e;
        }
    }

    /** RFC 8460 §5.4: POST of the gzipped report, Content-Type application/tlsrpt+gzip. */
    void post(TlsReport report, URI uri) throws IOException {
        String host = uri.getHost();
        if (host == null) {
            throw new IOException("no host in " + uri);
        }
        List<InetAddress> addresses;
        try {
            addresses = resolver.addresses(host).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("cannot resolve " + host + ": " + e);
        }
        if (addresses.isEmpty()) {
            throw new IOException(host + " has no address");
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        HttpsRequest.Response response = https.post(
                addresses.get(0),
                uri.getPort() < 0 ? 443 : uri.getPort(),
                host,
                path,
                TlsReport.MEDIA_TYPE,
                report.gzip());
        if (response.status() / 100 != 2) {
            throw new IOException("HTTP " + response.status() + " from " + uri);
        }
        LOG.info("TLS-RPT report of {} for {} posted to {}", report.domain(), report.day(), uri);
    }

    /** Runs {@link #sendFinishedDays} on the executor. */
    CompletableFuture<Void> sendFinishedDaysAsync() {
        return CompletableFuture.runAsync(this::sendFinishedDays, executor);
    }
}
