package org.karavel.tls.internal;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.karavel.api.dns.Resolver;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;
import org.karavel.api.tls.ServerTls;
import org.karavel.api.tls.ServerTlsContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Status checks of the tls bundle: the server certificate and its key file, each local domain's
 * MTA-STS policy (fetched as senders fetch it) and the host's TLSA records. Reads the settings of
 * both {@code org.karavel.tls} (the key file) and {@code org.karavel.tls.outbound} (how policies are
 * fetched, so a test's trust file applies here too).
 */
@Component(
        service = StatusCheck.class,
        configurationPid = {"org.karavel.tls", "org.karavel.tls.outbound"},
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class TlsStatusChecks implements StatusCheck {
    private final ServerTls serverTls;
    private final Path keyFile;
    private final Clock clock = Clock.systemUTC();
    private final ExecutorService fetches;
    private final PolicyStatus policies;
    private final TlsaStatus tlsa;

    @Activate
    public TlsStatusChecks(
            @Reference(name = "resolver") Resolver resolver,
            @Reference(name = "serverTls") ServerTls serverTls,
            TlsConfig tls,
            OutboundTlsConfig outbound) {
        this.serverTls = serverTls;
        this.keyFile =
                tls.key__file().isBlank() ? null : Path.of(tls.key__file().strip());
        this.fetches = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "karavel-tls-status");
            t.setDaemon(true);
            return t;
        });
        Duration timeout = Duration.ofSeconds(Math.max(1, outbound.mta__sts__timeout()));
        HttpsRequest https = new HttpsRequest(
                OutboundTlsComponent.verifyingContext(outbound.mta__sts__trust__file()),
                timeout,
                OutboundTlsComponent.MAX_POLICY_SIZE);
        this.policies = new PolicyStatus(
                resolver, MtaSts.overHttps(resolver, https, outbound.mta__sts__port(), timeout), fetches);
        this.tlsa = new TlsaStatus(resolver, clock);
    }

    @Deactivate
    void deactivate() {
        fetches.shutdownNow();
    }

    @Override
    public String name() {
        return "tls";
    }

    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        ServerTlsContext current = serverTls.current();
        List<X509Certificate> chain = current.certificateChain();
        X509Certificate leaf = chain.isEmpty() ? null : chain.get(0);
        List<Finding> now = new ArrayList<>();
        now.add(CertificateStatus.certificate(leaf, current.selfSigned(), setup.hostName(), clock.instant()));
        Finding key = CertificateStatus.keyFile(keyFile);
        if (key != null) {
            now.add(key);
        }
        List<CompletableFuture<List<Finding>>> later = new ArrayList<>();
        later.add(tlsa.check(setup.hostName(), chain).toCompletableFuture());
        for (String domain : new TreeSet<>(setup.localDomains())) {
            later.add(policies.check(domain, setup.hostName()).toCompletableFuture());
        }
        return CompletableFuture.allOf(later.toArray(CompletableFuture<?>[]::new))
                .thenApply(v -> {
                    List<Finding> all = new ArrayList<>(now);
                    later.forEach(f -> all.addAll(f.join()));
                    return all;
                });
    }
}
