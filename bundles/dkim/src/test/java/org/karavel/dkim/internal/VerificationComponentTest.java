package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.karavel.api.filter.Verdict;
import org.karavel.api.metrics.Metric;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.LoopbackResolver;
import org.xbill.DNS.Type;

/** The DS wrapper: typed configuration as Config Admin gives it, and the metric families it publishes. */
class VerificationComponentTest {
    /** A typed configuration from a map of keys, defaults for the rest, as DS builds it. */
    static DkimConfig config(Map<String, Object> values) {
        return (DkimConfig) Proxy.newProxyInstance(
                DkimConfig.class.getClassLoader(), new Class<?>[] {DkimConfig.class}, (proxy, method, args) -> {
                    String key = method.getName()
                            .replace("__", "\u0000")
                            .replace('_', '.')
                            .replace('\u0000', '_');
                    return values.containsKey(key) ? values.get(key) : method.getDefaultValue();
                });
    }

    @Test
    void settingsComeFromTheKeysWithDefaultsAndLenientValues() {
        VerificationSettings s = VerificationSettings.from(config(Map.of(
                "listeners",
                new String[] {"mx, relay"},
                "dmarc_reject",
                "Bogus",
                "timeout_seconds",
                999,
                "authserv_id",
                " mx.example.org ")));

        assertThat(s.listeners()).containsExactlyInAnyOrder("mx", "relay");
        assertThat(VerificationSettings.from(config(Map.of("listeners", new String[] {"mx submission,, relay"})))
                        .listeners())
                .containsExactlyInAnyOrder("mx", "submission", "relay");
        assertThat(s.dmarcReject()).isFalse();
        assertThat(s.timeout().toSeconds()).isEqualTo(VerificationSettings.MAX_TIMEOUT_SECONDS);
        assertThat(s.authservId()).isEqualTo("mx.example.org");
    }

    @Test
    void checksAMessageAndCountsResultsByMethodAndResult() throws Exception {
        try (LoopbackDnsServer dns = LoopbackDnsServer.start()) {
            dns.add("example.net", Type.TXT, "\"v=spf1 -all\"", 60);
            VerificationComponent c = new VerificationComponent(
                    new LoopbackResolver(dns.port()), config(Map.of("authserv_id", "mx.example.org")));
            try {
                Verdict v = c.endOfMessage(
                                TestMessages.session("198.51.100.7", "[198.51.100.7]", null, "mx"),
                                TestMessages.envelope("a@example.net"),
                                TestMessages.message("From: a@example.net\r\n\r\nx\r\n"))
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);

                assertThat(v.headers())
                        .extracting(Verdict.Header::value)
                        .containsExactly(
                                "mx.example.org; spf=fail smtp.mailfrom=example.net; dkim=none; dmarc=none header.from=example.net");
                List<Metric> metrics = c.metrics();
                Metric results = metrics.stream()
                        .filter(m -> m.name().equals("karavel_auth_results_total"))
                        .findFirst()
                        .orElseThrow();
                assertThat(results.samples()).contains(new Metric.Sample(Map.of("method", "spf", "result", "fail"), 1));
                assertThat(results.samples())
                        .contains(new Metric.Sample(Map.of("method", "dmarc", "result", "none"), 1));
            } finally {
                c.deactivate();
            }
        }
    }
}
