package org.karavel.tls.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.dns.Resolver;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.net.MachineName;
import org.karavel.api.queue.Spool;
import org.karavel.api.tls.DestinationTls;
import org.karavel.api.tls.HostTls;
import org.karavel.api.tls.OutboundTls;
import org.karavel.api.tls.TlsMode;
import org.karavel.api.tls.TlsOutcome;
import org.karavel.api.tls.TlsVerdict;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link OutboundTls} service (and its metrics): wires the configuration, the Resolver and the
 * optional Spool to {@link OutboundPolicy}, and runs the background work on one thread: MTA-STS
 * refresh every hour, TLS-RPT counts written every minute, finished days reported every hour.
 * A configuration change re-creates the component (the cache starts again; counts are on disk).
 */
@Component(
        service = {OutboundTls.class, MetricSource.class},
        configurationPid = "org.karavel.tls.outbound",
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = MetricSource.SOURCE + "=tls")
@Designate(ocd = OutboundTlsConfig.class)
public final class OutboundTlsComponent implements OutboundTls, MetricSource {
    private static final Logger LOG = LoggerFactory.getLogger(OutboundTlsComponent.class);
    static final int MAX_POLICY_SIZE = 64 * 1024;

    @Reference
    private Resolver resolver;

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Spool spool;

    private OutboundPolicy policy;
    private MtaSts mtaSts;
    private TlsReportLog reports;
    private ScheduledExecutorService background;
    private final OutboundTlsCounters counters = new OutboundTlsCounters();

    /** For DS. */
    public OutboundTlsComponent() {}

    /** For tests: the references set by hand. */
    OutboundTlsComponent(Resolver resolver, Spool spool) {
        this.resolver = resolver;
        this.spool = spool;
    }

    @Activate
    void activate(OutboundTlsConfig config) {
        Clock clock = Clock.systemUTC();
        background = Executors.newScheduledThreadPool(2, task -> {
            Thread thread = new Thread(task, "karavel-tls-outbound");
            thread.setDaemon(true);
            return thread;
        });
        TlsMode defaultMode;
        try {
            defaultMode = TlsMode.parse(config.outbound__default());
        } catch (IllegalArgumentException e) {
            LOG.error("outbound_default: {}; using Opportunistic", e.getMessage());
            defaultMode = TlsMode.OPPORTUNISTIC;
        }
        Set<TrustAnchor> smtpAnchors = anchors(config.trust__file());
        Duration timeout = Duration.ofSeconds(Math.max(1, config.mta__sts__timeout()));
        HttpsRequest https =
                new HttpsRequest(verifyingContext(config.mta__sts__trust__file()), timeout, MAX_POLICY_SIZE);
        if (config.mta__sts()) {
            mtaSts = new MtaSts(
                    resolver, MtaSts.overHttps(resolver, https, config.mta__sts__port(), timeout), background, clock);
            background.scheduleWithFixedDelay(() -> mtaSts.refresh(), 1, 1, TimeUnit.HOURS);
        }
        if (config.tlsrpt()) {
            reports = new TlsReportLog(reportDirectory(config.tlsrpt__directory()), clock);
            String submitter = config.tlsrpt__submitter().isBlank()
                    ? canonicalHostName()
                    : config.tlsrpt__submitter().trim();
            MailAddress from = sender(config.tlsrpt__from(), submitter);
            String organization = config.tlsrpt__organization().isBlank()
                    ? submitter
                    : config.tlsrpt__organization().trim();
            TlsReportSender sender = new TlsReportSender(
                    reports,
                    resolver,
                    () -> spool,
                    new HttpsRequest(verifyingContext(""), Duration.ofSeconds(30), 1024 * 1024),
                    background,
                    submitter,
                    organization,
                    from.toString(),
                    from,
                    clock);
            background.scheduleWithFixedDelay(reports::flush, 1, 1, TimeUnit.MINUTES);
            background.scheduleWithFixedDelay(
                    () -> {
                        try {
                            sender.sendFinishedDays();
                        } catch (RuntimeException e) {
                            LOG.warn("TLS-RPT reports failed: {}", e.toString());
                        }
                    },
                    5,
                    60,
                    TimeUnit.MINUTES);
        }
        policy = new OutboundPolicy(
                defaultMode,
                new DestinationRules(config.outbound__policies()),
                mtaSts,
                resolver,
                config.dane(),
                new CertificateCheck(smtpAnchors, clock),
                reports,
                clock);
    }

    @Deactivate
    void deactivate() {
        background.shutdownNow();
        if (reports != null) {
            reports.flush();
        }
    }

    @Override
    public CompletionStage<DestinationTls> forDomain(String domain) {
        return policy.forDomain(domain);
    }

    @Override
    public boolean mxAllowed(DestinationTls destination, String mxHost) {
        return policy.mxAllowed(destination, mxHost);
    }

    @Override
    public CompletionStage<HostTls> forHost(DestinationTls destination, String mxHost, boolean mxAuthentic) {
        return policy.forHost(destination, mxHost, mxAuthentic);
    }

    @Override
    public SSLContext clientContext() {
        return policy.clientContext();
    }

    @Override
    public SSLParameters clientParameters(HostTls host) {
        return policy.clientParameters(host);
    }

    @Override
    public TlsVerdict verify(HostTls host, X509Certificate[] chain, String protocol, String cipherSuite) {
        TlsVerdict verdict = policy.verify(host, chain, protocol, cipherSuite);
        counters.count(verdict);
        return verdict;
    }

    @Override
    public TlsVerdict withoutTls(HostTls host, boolean handshakeFailed, String detail) {
        TlsVerdict verdict = policy.withoutTls(host, handshakeFailed, detail);
        counters.count(verdict);
        return verdict;
    }

    @Override
    public void record(String policyDomain, TlsOutcome outcome) {
        policy.record(policyDomain, outcome);
    }

    @Override
    public List<Metric> metrics() {
        return counters.metrics(mtaSts == null ? 0 : mtaSts.cachedDomains());
    }

    /** The anchors from a PEM file, or the JDK's when the key is empty or the file unusable. */
    static Set<TrustAnchor> anchors(String file) {
        if (file == null || file.isBlank()) {
            return CertificateCheck.jdkAnchors();
        }
        try {
            return CertificateCheck.anchorsOf(PemFiles.readChain(Path.of(file.trim())));
        } catch (CertificateProblem e) {
            LOG.error("trust file unusable ({}); using the JDK trust store", e.getMessage());
            return CertificateCheck.jdkAnchors();
        }
    }

    /** A client context that verifies servers against a PEM file's CAs, or the JDK's trust store. */
    static SSLContext verifyingContext(String file) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            if (file == null || file.isBlank()) {
                factory.init((KeyStore) null);
            } else {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                int i = 0;
                for (X509Certificate ca : PemFiles.readChain(Path.of(file.trim()))) {
                    store.setCertificateEntry("ca" + i++, ca);
                }
                factory.init(store);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (CertificateProblem e) {
            LOG.error("MTA-STS trust file unusable ({}); using the JDK trust store", e.getMessage());
            return verifyingContext("");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a TLS client context", e);
        }
    }

    static Path reportDirectory(String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.trim());
        }
        return Path.of(System.getProperty("karaf.data", "data"), "tlsrpt");
    }

    private static MailAddress sender(String configured, String submitter) {
        String address = configured == null || configured.isBlank() ? "postmaster@" + submitter : configured.trim();
        try {
            return MailAddress.parse(address);
        } catch (AddressSyntaxException e) {
            LOG.error("tlsrpt_from '{}' is not an address ({}); using postmaster@localhost", address, e.getMessage());
            try {
                return MailAddress.parse("postmaster@localhost");
            } catch (AddressSyntaxException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    private static String canonicalHostName() {
        return MachineName.canonical().orElse("localhost");
    }
}
