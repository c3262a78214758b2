package org.karavel.shaping.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.metrics.Metric;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.ShapingAction.Kind;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.testkit.LogCapture;
import org.karavel.testkit.TestClock;

class ReactionsTest {
    private static final String RULES = """
            # site  action              match
            gmail   suspend 1h          code 421 4.7.28
            yahoo   rate 20/min 2h      text \\[TSS04\\]
            *       connections 2 30min code 4.7.650
            *       bounce              text ^550 5\\.7\\.1 .*listed at spamhaus
            *       suspend 10min       code 421
            """;

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-12-07T12:00:00Z"));

    private Shaping shaping(String text) throws Exception {
        Path f = dir.resolve("karavel.shaping-reactions");
        Files.writeString(f, text);
        Shaping s = new Shaping(new ReactionFile(f, Duration.ZERO));
        s.rules(List.of(
                SiteRule.parse("gmail", Map.of("mx_suffixes", ".google.com", "max_message_rate", "120/min"), "g"),
                SiteRule.parse("yahoo", Map.of("domains", "yahoo.com", "max_message_rate", "100/min"), "y")));
        return s;
    }

    @Test
    void codeAndTextRulesMatchFirstWins() {
        ReactionRules r = ReactionRules.parse(RULES, "reactions");
        assertThat(r.rules()).hasSize(5);
        assertThat(r.match("gmail", "421-4.7.28 [192.0.2.9] Our system has detected an unusual rate")
                        .kind())
                .isEqualTo(Kind.SUSPEND);
        assertThat(r.match("gmail", "421-4.7.28 x").duration()).isEqualTo(Duration.ofHours(1));
        // gmail's rule does not apply to another site's 4.7.28; the catch-all 421 does
        assertThat(r.match("other", "421 4.7.28 x").duration()).isEqualTo(Duration.ofMinutes(10));
        assertThat(r.match("yahoo", "421 4.7.0 [TSS04] Messages from 192.0.2.9 temporarily deferred")
                        .rate())
                .isEqualTo(Rate.parse("20/min"));
        assertThat(r.match("outlook", "451 4.7.650 The mail server [192.0.2.9] has been temporarily rate limited")
                        .connections())
                .isEqualTo(2);
        assertThat(r.match("x", "550 5.7.1 Service unavailable; client host listed at Spamhaus")
                        .kind())
                .isEqualTo(Kind.BOUNCE);
        assertThat(r.match("x", "450 4.2.1 mailbox busy")).isNull();
    }

    @Test
    void badLinesAreLoggedWithFileAndLineAndTheOthersApply() {
        try (LogCapture log = new LogCapture()) {
            ReactionRules r = ReactionRules.parse("""
                    gmail suspend 1fortnight code 421
                    gmail pause 1h code 421
                    gmail rate 100/fortnight 1h code 421
                    gmail bounce text ([unclosed
                    gmail bounce code 4x1
                    gmail suspend 5min code 421 4.7.28
                    """, "etc/karavel.shaping-reactions");
            assertThat(r.rules()).hasSize(1);
            assertThat(log.text())
                    .contains("etc/karavel.shaping-reactions:1")
                    .contains("etc/karavel.shaping-reactions:2: reaction rule left out: unknown action \"pause\"")
                    .contains("etc/karavel.shaping-reactions:3")
                    .contains("etc/karavel.shaping-reactions:4: reaction rule left out: bad regular expression")
                    .contains("etc/karavel.shaping-reactions:5");
        }
    }

    @Test
    void aSuspensionHoldsForItsDurationAndEndsByItself() throws Exception {
        Shaping s = shaping(RULES);
        String site = s.siteOf("example.org", List.of("mx1.shaping-test.google.com"));
        assertThat(site).isEqualTo("gmail");
        ShapingAction a =
                s.react(site, "421 4.7.28 rate limited", clock.instant()).orElseThrow();
        assertThat(a.kind()).isEqualTo(Kind.SUSPEND);
        assertThat(a.until()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        assertThat(a.rule()).endsWith("karavel.shaping-reactions:2");
        assertThat(s.limits("gmail", clock.instant()).isSuspended(clock.instant()))
                .isTrue();
        // a second match extends silently: one action, one mail-log line
        clock.advance(Duration.ofMinutes(30));
        assertThat(s.react(site, "421 4.7.28 again", clock.instant())).isEmpty();
        assertThat(s.actions(clock.instant())).hasSize(1);
        assertThat(s.actions(clock.instant()).get(0).until())
                .isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        assertThat(s.metrics(clock.instant()))
                .filteredOn(m -> m.name().equals("karavel_shaping_actions_active"))
                .flatExtracting(Metric::samples)
                .containsExactly(new Metric.Sample(Map.of("site", "gmail", "action", "suspend"), 1));
        clock.advance(Duration.ofMinutes(61));
        SiteLimits after = s.limits("gmail", clock.instant());
        assertThat(after.isSuspended(clock.instant())).isFalse();
        assertThat(after.suspendedUntil()).isNull();
        assertThat(s.actions(clock.instant())).isEmpty();
        assertThat(s.metrics(clock.instant()))
                .filteredOn(m -> m.name().equals("karavel_shaping_actions_total"))
                .flatExtracting(Metric::samples)
                .containsExactly(new Metric.Sample(Map.of("site", "gmail", "action", "suspend"), 1));
    }

    @Test
    void aLoweredRateAndConnectionLimitApplyUntilTheyEnd() throws Exception {
        Shaping s = shaping(RULES);
        s.react("yahoo", "421 4.7.0 [TSS04] Messages from 192.0.2.9 temporarily deferred", clock.instant());
        s.react("yahoo", "451 4.7.650 rate limited", clock.instant());
        SiteLimits l = s.limits("yahoo", clock.instant());
        assertThat(l.maxMessageRate()).isEqualTo(Rate.parse("20/min"));
        assertThat(l.maxConnections()).isEqualTo(2);
        clock.advance(Duration.ofMinutes(31));
        assertThat(s.limits("yahoo", clock.instant()).maxConnections()).isZero();
        assertThat(s.limits("yahoo", clock.instant()).maxMessageRate()).isEqualTo(Rate.parse("20/min"));
        clock.advance(Duration.ofHours(2));
        assertThat(s.limits("yahoo", clock.instant()).maxMessageRate()).isEqualTo(Rate.parse("100/min"));
    }

    @Test
    void aBounceActsOnceAndLastsNothing() throws Exception {
        Shaping s = shaping(RULES);
        ShapingAction a = s.react("x", "550 5.7.1 client host listed at Spamhaus", clock.instant())
                .orElseThrow();
        assertThat(a.kind()).isEqualTo(Kind.BOUNCE);
        assertThat(s.actions(clock.instant())).isEmpty();
        assertThat(s.react("x", "550 5.7.1 other", clock.instant())).isEmpty();
    }

    @Test
    void theFileIsReadAgainWhenItChanges() throws Exception {
        Shaping s = shaping("gmail suspend 1h code 421\n");
        assertThat(s.react("yahoo", "421 x", clock.instant())).isEmpty();
        Path f = dir.resolve("karavel.shaping-reactions");
        Files.writeString(f, "* suspend 1h code 421\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(s.react("yahoo", "421 x", clock.instant())).isPresent();
        Files.delete(f);
        assertThat(s.react("other", "421 x", clock.instant())).isEmpty();
    }
}
