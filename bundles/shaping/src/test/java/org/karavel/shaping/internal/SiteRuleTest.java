package org.karavel.shaping.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.testkit.LogCapture;

class SiteRuleTest {
    private static SiteRule rule(String name, String... keyValues) throws SiteRule.BadRule {
        Map<String, Object> p = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return SiteRule.parse(name, p, "etc/org.karavel.shaping-" + name + ".cfg");
    }

    @Test
    void everyKeyIsRead() throws Exception {
        SiteRule r = rule(
                "gmail",
                "domains",
                "gmail.com, googlemail.com",
                "mx_suffixes",
                ".google.com googlemail.com",
                "max_connections",
                "20",
                "max_message_rate",
                "120/min",
                "max_connection_rate",
                "10/min",
                "burst",
                "5",
                "max_deliveries_per_connection",
                "50",
                "connect_timeout",
                "30s",
                "idle_timeout",
                "2min",
                "tls",
                "Required");
        assertThat(r.domains()).containsExactlyInAnyOrder("gmail.com", "googlemail.com");
        assertThat(r.mxSuffixes()).containsExactly(".google.com", ".googlemail.com");
        SiteLimits l = r.limits();
        assertThat(l.site()).isEqualTo("gmail");
        assertThat(l.maxConnections()).isEqualTo(20);
        assertThat(l.maxMessageRate()).isEqualTo(new Rate(120, Duration.ofMinutes(1)));
        assertThat(l.maxConnectionRate()).isEqualTo(new Rate(10, Duration.ofMinutes(1)));
        assertThat(l.burst()).isEqualTo(5);
        assertThat(l.maxDeliveriesPerConnection()).isEqualTo(50);
        assertThat(l.connectTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(l.idleTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(l.tls()).isEqualTo("Required");
        assertThat(l.suspendedUntil()).isNull();
    }

    @Test
    void aMalformedValueNamesItsKey() {
        assertThatThrownBy(() -> rule("x", "domains", "x.example", "max_message_rate", "100/fortnight"))
                .isInstanceOf(SiteRule.BadRule.class)
                .hasMessageContaining("fortnight")
                .extracting(e -> ((SiteRule.BadRule) e).key)
                .isEqualTo("max_message_rate");
        assertThatThrownBy(() -> rule("x", "domains", "x.example", "max_connections", "many"))
                .extracting(e -> ((SiteRule.BadRule) e).key)
                .isEqualTo("max_connections");
        assertThatThrownBy(() -> rule("x", "domains", "x.example", "idle_timeout", "5 fortnights"))
                .extracting(e -> ((SiteRule.BadRule) e).key)
                .isEqualTo("idle_timeout");
        assertThatThrownBy(() -> rule("x", "domains", "x.example", "tls", "Sometimes"))
                .extracting(e -> ((SiteRule.BadRule) e).key)
                .isEqualTo("tls");
        assertThatThrownBy(() -> rule("nothing", "max_connections", "2"))
                .extracting(e -> ((SiteRule.BadRule) e).key)
                .isEqualTo("domains");
    }

    @Test
    void aTlsModeIsReadInAnyCaseAndKeptUnderItsOwnName() throws Exception {
        assertThat(rule("x", "domains", "x.example", "tls", "required").limits().tls())
                .isEqualTo("Required");
        assertThat(rule("x", "domains", "x.example", "tls", " requiredinsecure ")
                        .limits()
                        .tls())
                .isEqualTo("RequiredInsecure");
    }

    @Test
    void theDefaultRuleNeedsNoDomains() throws Exception {
        assertThat(rule("default", "max_connections", "5").isDefault()).isTrue();
    }

    @Test
    void aListedDomainComesBeforeAnMxSuffixAndLongerSuffixesBeforeShorter() throws Exception {
        SiteRules rules = new SiteRules(List.of(
                rule("google", "mx_suffixes", ".google.com"),
                rule("workspace", "mx_suffixes", ".workspace.google.com"),
                rule("special", "domains", "special.example"),
                rule("default", "max_message_rate", "600/min")));
        assertThat(rules.siteOf("special.example", List.of("mx1.workspace.google.com")))
                .isEqualTo("special");
        assertThat(rules.siteOf("a.example", List.of("mx1.workspace.google.com.")))
                .isEqualTo("workspace");
        assertThat(rules.siteOf("b.example", List.of("smtp.google.com"))).isEqualTo("google");
        // a suffix matches at a label boundary only
        assertThat(rules.siteOf("c.example", List.of("mx.notgoogle.com"))).isEqualTo("c.example");
        assertThat(rules.siteOf("d.example", List.of())).isEqualTo("d.example");
        // a site no rule names gets the default rule's limits under its own name
        assertThat(rules.limits("d.example").maxMessageRate()).isEqualTo(Rate.parse("600/min"));
        assertThat(rules.limits("d.example").site()).isEqualTo("d.example");
        assertThat(rules.limits("google").maxMessageRate()).isNull();
    }

    @Test
    void withoutADefaultRuleAnUnmatchedSiteHasNoLimits() throws Exception {
        SiteRules rules = new SiteRules(List.of(rule("google", "mx_suffixes", ".google.com")));
        assertThat(rules.limits("x.example")).isEqualTo(SiteLimits.unlimited("x.example"));
        assertThat(SiteLimits.unlimited("x").isSuspended(Instant.EPOCH)).isFalse();
    }

    @Test
    void aBadRuleFileIsLoggedWithFileAndKeyAndLeftOut() {
        try (LogCapture log = new LogCapture()) {
            SiteRuleComponent c = new SiteRuleComponent();
            c.activate(Map.of(
                    "felix.fileinstall.filename", "file:/opt/karavel/etc/org.karavel.shaping-yahoo.cfg",
                    "domains", "yahoo.com",
                    "max_message_rate", "100/fortnight"));
            assertThat(c.rule()).isNull();
            assertThat(log.text())
                    .contains("ERROR")
                    .contains("/opt/karavel/etc/org.karavel.shaping-yahoo.cfg: key max_message_rate")
                    .contains("unknown unit \"fortnight\"");
            SiteRuleComponent good = new SiteRuleComponent();
            good.activate(Map.of(
                    "felix.fileinstall.filename", "file:/opt/karavel/etc/org.karavel.shaping-gmail.cfg",
                    "domains", "gmail.com",
                    "max_conections", "3"));
            assertThat(good.rule().name()).isEqualTo("gmail");
            assertThat(log.text()).contains("unknown key max_conections ignored");
        }
    }
}
