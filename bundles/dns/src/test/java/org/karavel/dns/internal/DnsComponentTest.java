package org.karavel.dns.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.xbill.DNS.Type;

class DnsComponentTest {
    /** A DnsConfig as DS would give it: the values set, and the annotation's defaults for the rest. */
    static DnsConfig config(Map<String, Object> values) {
        return (DnsConfig) Proxy.newProxyInstance(
                DnsConfig.class.getClassLoader(),
                new Class<?>[] {DnsConfig.class},
                (proxy, method, args) ->
                        values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue());
    }

    @Test
    void aConfigurationChangeTakesEffectAtOnce() throws Exception {
        try (LoopbackDnsServer one = LoopbackDnsServer.start();
                LoopbackDnsServer two = LoopbackDnsServer.start()) {
            one.add("host.example", Type.A, "192.0.2.1", 300);
            two.add("host.example", Type.A, "192.0.2.2", 300);
            DnsComponent component = new DnsComponent();
            component.activate(config(Map.of("servers", new String[] {"127.0.0.1:" + one.port()})));
            try {
                assertThat(component.a("host.example").toCompletableFuture().get(10, TimeUnit.SECONDS))
                        .extracting(InetAddress::getHostAddress)
                        .containsExactly("192.0.2.1");

                component.modified(
                        config(Map.of("servers", new String[] {" 127.0.0.1:" + two.port() + " "}, "tcp", true)));

                assertThat(component.a("host.example").toCompletableFuture().get(10, TimeUnit.SECONDS))
                        .extracting(InetAddress::getHostAddress)
                        .containsExactly("192.0.2.2");
                assertThat(two.tcpQueries("host.example")).isEqualTo(1);
                assertThat(one.queries("host.example")).isEqualTo(1);
            } finally {
                component.deactivate();
            }
        }
    }

    @Test
    void questionsAndFailuresAreCountedAcrossAConfigurationChange() throws Exception {
        try (LoopbackDnsServer one = LoopbackDnsServer.start()) {
            one.add("host.example", Type.A, "192.0.2.1", 300);
            DnsComponent component = new DnsComponent();
            component.activate(config(Map.of("servers", new String[] {"127.0.0.1:" + one.port()})));
            try {
                component.a("host.example").toCompletableFuture().get(10, TimeUnit.SECONDS);
                component.modified(config(Map.of("servers", new String[] {"127.0.0.1:" + one.port()})));
                assertThat(component
                                .mx("nosuch.example")
                                .toCompletableFuture()
                                .handle((v, e) -> e)
                                .get(10, TimeUnit.SECONDS))
                        .isInstanceOf(org.karavel.api.dns.DnsException.class);
                Map<String, Double> values = new HashMap<>();
                component
                        .metrics()
                        .forEach(m -> m.samples().forEach(x -> values.put(m.name() + x.labels(), x.value())));
                assertThat(values)
                        .containsEntry("karavel_dns_queries_total{type=a}", 1.0)
                        .containsEntry("karavel_dns_queries_total{type=mx}", 1.0)
                        .containsEntry("karavel_dns_errors_total{kind=nxdomain}", 1.0);
            } finally {
                component.deactivate();
            }
        }
    }

    @Test
    void defaultsMatchTheDocumentedOnes() {
        DnsSettings s = DnsSettings.from(config(Map.of("servers", new String[] {"127.0.0.1"})));
        assertThat(s.timeout().toMillis()).isEqualTo(5000);
        assertThat(s.retries()).isEqualTo(1);
        assertThat(s.cache()).isTrue();
        assertThat(s.maxCacheEntries()).isEqualTo(10000);
        assertThat(s.negativeTtlSeconds()).isEqualTo(300);
        assertThat(s.tcp()).isFalse();
        assertThat(s).isEqualTo(DnsSettings.defaults(s.servers()));
    }

    @Test
    void serversMayBeOneCommaSeparatedString() throws Exception {
        DnsSettings s =
                DnsSettings.from(config(Map.of("servers", new String[] {"127.0.0.1:5353, [::1]:5353 192.0.2.53", ""})));
        assertThat(s.servers())
                .containsExactly(
                        new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 5353),
                        new InetSocketAddress(InetAddress.getByName("::1"), 5353),
                        new InetSocketAddress(InetAddress.getByName("192.0.2.53"), 53));
    }
}
