package org.karavel.dkim.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.karavel.api.config.ListProperty;
import org.karavel.api.dkim.DkimKeys;
import org.karavel.api.dkim.OutboundSigner;
import org.karavel.api.domain.MailDomains;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.queue.Envelope;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DKIM signing: the {@link OutboundSigner} delivery calls, the {@link DkimKeys} the shell uses, and
 * the {@code dkim-signing} metric source. Same PID as the verifying filter ({@code org.karavel.dkim});
 * the local domains come from the relay bundle's {@link MailDomains} when it is there.
 */
@Component(
        service = {OutboundSigner.class, DkimKeys.class, MetricSource.class},
        configurationPid = "org.karavel.dkim",
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = MetricSource.SOURCE + "=dkim-signing")
public final class SigningComponent implements OutboundSigner, DkimKeys, MetricSource {
    private static final Logger LOG = LoggerFactory.getLogger(SigningComponent.class);
    /** The directory is listed at most this often while mail flows; changed files are seen within it. */
    private static final long RESCAN_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final SigningCounters counters = new SigningCounters();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile MailDomains mailDomains;

    private volatile boolean enabled;
    private volatile KeyDirectory keys;
    private volatile OutboundSigning signing;

    @Activate
    void activate(DkimConfig config) {
        apply(config);
    }

    @Modified
    void modified(DkimConfig config) {
        apply(config);
    }

    private void apply(DkimConfig config) {
        Path directory = keyDirectory(config.key__directory());
        Set<String> signDomains = signDomains(config.sign__domains());
        KeyDirectory k = keys != null && keys.directory().equals(directory)
                ? keys
                : new KeyDirectory(directory, RESCAN_NANOS, System::nanoTime);
        int ttlDays = Math.max(0, config.signature__ttl__days());
        signing = new OutboundSigning(
                k,
                d -> isSigningDomain(d, signDomains),
                Duration.ofDays(ttlDays),
                Math.max(1, config.max__header__kb()) * 1024,
                counters,
                Clock.systemUTC());
        keys = k;
        enabled = config.sign();
        KeyDirectory.Snapshot snapshot = k.rescan(); // problems with the keys are logged at start
        LOG.info(
                "dkim signing: enabled={} key_directory={} keys={} sign_domains={} signature_ttl_days={}",
                enabled,
                directory,
                snapshot.byDomain().values().stream().mapToInt(List::size).sum(),
                signDomains,
                ttlDays);
        MailDomains domains = mailDomains;
        if (enabled && domains != null) {
            for (String local : domains.localDomains()) {
                if (snapshot.active(local, "rsa").isEmpty() && !local.equals("localhost")) {
                    LOG.warn(
                            "local domain {} has no RSA DKIM key in {}: its mail goes out unsigned (mta:dkim-keygen {})",
                            local,
                            directory,
                            local);
                }
            }
        }
    }

    /** sign_domains in lower case; separated by commas or spaces, as a .cfg file gives a list as one string. */
    static Set<String> signDomains(String[] values) {
        return ListProperty.entries(values).stream()
                .map(d -> d.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    private boolean isSigningDomain(String domain, Set<String> signDomains) {
        if (signDomains.contains(domain)) {
            return true;
        }
        MailDomains domains = mailDomains;
        return domains != null && domains.isLocal(domain);
    }

    /** The configured directory, or {@code ${karaf.etc}/dkim} ({@code etc/dkim} outside Karaf). */
    static Path keyDirectory(String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.strip());
        }
        String etc = System.getProperty("karaf.etc");
        return Path.of(etc == null || etc.isBlank() ? "etc" : etc, "dkim");
    }

    @Override
    public String sign(Envelope envelope, InputStream content) throws IOException {
        if (!enabled) {
            return "";
        }
        return signing.sign(envelope, content);
    }

    @Override
    public KeyRecord generate(String domain, String selector, String algorithm, int bits) throws IOException {
        KeyDirectory k = keys;
        SigningKey key = k.generate(domain, selector, algorithm, bits);
        KeyDirectory.Snapshot snapshot = k.rescan();
        return record(key, snapshot);
    }

    @Override
    public List<KeyRecord> records(String domain) {
        KeyDirectory k = keys;
        KeyDirectory.Snapshot snapshot = k.rescan();
        String d = domain.strip().toLowerCase(Locale.ROOT);
        return snapshot.byDomain().getOrDefault(d, List.of()).stream()
                .map(key -> record(key, snapshot))
                .toList();
    }

    static KeyRecord record(SigningKey key, KeyDirectory.Snapshot snapshot) {
        boolean active = snapshot.active(key.domain(), key.algorithm())
                .map(a -> a.file().equals(key.file()))
                .orElse(false);
        return new KeyRecord(
                key.domain(),
                key.selector(),
                key.algorithm(),
                key.bits(),
                key.file().toString(),
                key.dnsName(),
                key.txt(),
                active);
    }

    @Override
    public List<Metric> metrics() {
        return counters.metrics();
    }
}
