package org.karavel.dns.internal;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.karavel.api.dns.MxAnswer;
import org.karavel.api.dns.MxRecord;
import org.karavel.api.dns.Resolver;
import org.karavel.api.dns.TlsaAnswer;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The {@link Resolver} service. A configuration change builds a new {@link StubResolver} (with an
 * empty cache) and swaps it in without unregistering the service, so users never see it go away.
 */
@Component(
        service = {Resolver.class, MetricSource.class},
        configurationPid = "org.karavel.dns",
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = MetricSource.SOURCE + "=dns")
@Designate(ocd = DnsConfig.class)
public final class DnsComponent implements Resolver, MetricSource {
    private final DnsCounters counters = new DnsCounters();
    private volatile StubResolver resolver;

    @Activate
    void activate(DnsConfig config) {
        resolver = new StubResolver(DnsSettings.from(config), counters);
    }

    @Modified
    void modified(DnsConfig config) {
        StubResolver old = resolver;
        resolver = new StubResolver(DnsSettings.from(config), counters);
        old.close();
    }

    @Deactivate
    void deactivate() {
        resolver.close();
    }

    @Override
    public List<Metric> metrics() {
        StubResolver r = resolver;
        return counters.metrics(r == null ? 0 : r.cacheSize());
    }

    @Override
    public CompletionStage<List<MxRecord>> mx(String domain) {
        return resolver.mx(domain);
    }

    @Override
    public CompletionStage<List<InetAddress>> a(String host) {
        return resolver.a(host);
    }

    @Override
    public CompletionStage<List<InetAddress>> aaaa(String host) {
        return resolver.aaaa(host);
    }

    @Override
    public CompletionStage<List<InetAddress>> addresses(String host) {
        return resolver.addresses(host);
    }

    @Override
    public CompletionStage<List<String>> txt(String name) {
        return resolver.txt(name);
    }

    @Override
    public CompletionStage<List<String>> ptr(InetAddress address) {
        return resolver.ptr(address);
    }

    @Override
    public CompletionStage<TlsaAnswer> tlsa(String name) {
        return resolver.tlsa(name);
    }

    @Override
    public CompletionStage<MxAnswer> mxAnswer(String domain) {
        return resolver.mxAnswer(domain);
    }
}
