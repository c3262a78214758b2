package org.karavel.greylist.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.Verdict;
import org.karavel.api.greylist.GreylistStats;
import org.karavel.api.metrics.Metric;
import org.karavel.api.net.CidrBlock;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterSession;
import org.karavel.testkit.TestClock;

/** The filter end to end through SmtpFilter.rcptTo, on a real MapDB file. */
class GreylistFilterTest {
    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final GreylistCounters counters = new GreylistCounters();
    private GreylistSettings settings;
    private GreylistDatabase database;
    private GreylistFilter filter;

    @BeforeEach
    void open() throws Exception {
        settings = GreylistSettings.defaults(dir);
        start(settings);
    }

    private void start(GreylistSettings s) throws Exception {
        database = new GreylistDatabase(MapDbTripletStore.open(s.storeDirectory()), s, clock, counters);
        filter = new GreylistFilter(s, database, counters);
    }

    @AfterEach
    void close() {
        database.close();
    }

    private Verdict rcpt(SessionView session, String sender, String recipient) throws Exception {
        // an empty sender is the null sender <>
        return filter.rcptTo(session, FilterEnvelope.from(sender), MailAddress.parse(recipient))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    @Test
    void firstSightIsDeferredWithTheTimeLeftThenTheRetryPasses() throws Exception {
        Verdict first = rcpt(FilterSession.from("192.0.2.10"), "Alice+news@Sender.example", "bob@rcpt.example");
        assertThat(first.kind()).isEqualTo(Verdict.Kind.DEFER);
        assertThat(first.toString()).isEqualTo("450 4.2.0 Greylisted, please try again in 300 seconds");

        clock.advance(Duration.ofSeconds(100));
        // another host of the same /24, the sender without its extension: the same triplet
        Verdict early = rcpt(FilterSession.from("192.0.2.99"), "alice@sender.example", "BOB@rcpt.example");
        assertThat(early.toString()).isEqualTo("450 4.2.0 Greylisted, please try again in 200 seconds");

        clock.advance(Duration.ofSeconds(200));
        Verdict retry = rcpt(FilterSession.from("192.0.2.10"), "alice@sender.example", "bob@rcpt.example");
        assertThat(retry.kind())
                .as("passing leaves the decision to later filters")
                .isEqualTo(Verdict.Kind.NO_OPINION);

        GreylistStats stats = database.stats();
        assertThat(stats.entries()).isEqualTo(1);
        assertThat(stats.passedEntries()).isEqualTo(1);
        assertThat(stats.deferred()).isEqualTo(2);
        assertThat(stats.passed()).containsEntry("retry", 1L);
    }

    @Test
    void ipv6ClientsAreGreylistedPerSlash64() throws Exception {
        assertThat(rcpt(FilterSession.from("2001:db8:1:2::10"), "a@s.example", "b@r.example")
                        .kind())
                .isEqualTo(Verdict.Kind.DEFER);
        clock.advance(Duration.ofSeconds(300));
        assertThat(rcpt(FilterSession.from("2001:db8:1:2:ffff::20"), "a@s.example", "b@r.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(FilterSession.from("2001:db8:1:3::10"), "a@s.example", "b@r.example")
                        .kind())
                .as("another /64")
                .isEqualTo(Verdict.Kind.DEFER);
        assertThat(database.entries(10))
                .extracting(e -> e.clientNetwork())
                .containsExactlyInAnyOrder("2001:db8:1:2:0:0:0:0/64", "2001:db8:1:3:0:0:0:0/64");
    }

    @Test
    void nullSenderIsGreylistedToo() throws Exception {
        assertThat(rcpt(FilterSession.from("192.0.2.10"), "", "b@r.example").kind())
                .isEqualTo(Verdict.Kind.DEFER);
        assertThat(database.entries(1))
                .singleElement()
                .satisfies(e -> assertThat(e.sender()).isEqualTo("<>"));
    }

    @Test
    void otherListenersAndAuthenticatedSessionsAreNotGreylisted() throws Exception {
        assertThat(rcpt(FilterSession.from("192.0.2.10").listener("submission"), "a@s.example", "b@r.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(FilterSession.from("192.0.2.10").user("alice"), "a@s.example", "b@r.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        FilterSession relayHost = FilterSession.from("192.0.2.11").relayClient();
        assertThat(rcpt(relayHost, "a@s.example", "b@r.example").kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(database.entries(10)).isEmpty();
        assertThat(counters.passed())
                .containsEntry("authenticated", 1L)
                .containsEntry("pass_list", 0L)
                .containsEntry("relay_host", 1L);
    }

    @Test
    void passListsAndPostmasterPass() throws Exception {
        database.close();
        start(settings.withPassLists(
                List.of(CidrBlock.parse("127.0.0.0/8"), CidrBlock.parse("::1"), CidrBlock.parse("198.51.100.0/24")),
                Set.of("trusted.example"),
                Set.of("vip@rcpt.example", "open.example")));
        assertThat(rcpt(FilterSession.from("127.0.0.1"), "a@s.example", "b@r.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(FilterSession.from("::1"), "a@s.example", "b@r.example").kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(FilterSession.from("198.51.100.7"), "a@s.example", "b@r.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(FilterSession.from("192.0.2.10"), "a@mail.Trusted.example", "b@r.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(FilterSession.from("192.0.2.10"), "a@s.example", "VIP@rcpt.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(FilterSession.from("192.0.2.10"), "a@s.example", "anyone@sub.open.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(FilterSession.from("192.0.2.10"), "a@s.example", "PostMaster@r.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(database.entries(10)).isEmpty();
        assertThat(counters.passed()).containsEntry("pass_list", 7L);

        // not in any list: greylisted
        assertThat(rcpt(FilterSession.from("192.0.2.10"), "a@untrusted.example", "other@rcpt.example")
                        .kind())
                .isEqualTo(Verdict.Kind.DEFER);
    }

    @Test
    void disabledGreylistHasNoOpinion() throws Exception {
        database.close();
        start(new GreylistSettings(
                false,
                Set.of("mx"),
                Duration.ofSeconds(300),
                Duration.ofDays(2),
                Duration.ofDays(35),
                5,
                24,
                64,
                List.of(),
                Set.of(),
                Set.of(),
                dir,
                Duration.ofHours(1)));
        assertThat(rcpt(FilterSession.from("192.0.2.10"), "a@s.example", "b@r.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
    }

    @Test
    void triplesAndDecisionsSurviveARestart() throws Exception {
        rcpt(FilterSession.from("192.0.2.10"), "a@s.example", "b@r.example");
        database.allow("203.0.113.0/24", null, null);
        database.close();

        clock.advance(Duration.ofSeconds(300));
        start(settings);
        assertThat(database.entries(10)).singleElement().satisfies(e -> {
            assertThat(e.firstSeen()).isEqualTo(Instant.parse("2026-03-01T10:00:00Z"));
            assertThat(e.passed()).isFalse();
        });
        assertThat(rcpt(FilterSession.from("192.0.2.10"), "a@s.example", "b@r.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(FilterSession.from("203.0.113.5"), "x@s.example", "y@r.example")
                        .kind())
                .as("the allowed network is stored too")
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(database.stats().allowedNetworks()).isEqualTo(1);
    }

    @Test
    void operatorCanAllowATriplet() throws Exception {
        database.allow("192.0.2.77", "<Alice+x@Sender.example>", "bob@rcpt.example");
        assertThat(rcpt(FilterSession.from("192.0.2.10"), "alice@sender.example", "bob@rcpt.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(rcpt(FilterSession.from("192.0.2.10"), "carol@sender.example", "bob@rcpt.example")
                        .kind())
                .isEqualTo(Verdict.Kind.DEFER);
        assertThatThrownBy(() -> database.allow("192.0.0.0/16", "a@s.example", "b@r.example"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/24");
        assertThatThrownBy(() -> database.allow("192.0.2.1", "a@s.example", null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> database.allow("mail.example.com", null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> database.allow("192.0.2.1", "not an address", "b@r.example"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void metricsCountDecisionsAndEntries() throws Exception {
        rcpt(FilterSession.from("192.0.2.10"), "a@s.example", "b@r.example");
        rcpt(FilterSession.from("192.0.2.10"), "a@s.example", "c@r.example");
        rcpt(FilterSession.from("192.0.2.10").user("alice"), "a@s.example", "b@r.example");
        List<Metric> metrics = database.metrics();
        assertThat(metrics)
                .extracting(Metric::name)
                .containsExactly(
                        "karavel_greylist_deferred_total",
                        "karavel_greylist_passed_total",
                        "karavel_greylist_entries",
                        "karavel_greylist_auto_whitelisted_clients",
                        "karavel_greylist_fail_open_total");
        assertThat(metrics.get(0).samples().get(0).value()).isEqualTo(2);
        assertThat(metrics.get(1).samples())
                .contains(
                        new Metric.Sample(Map.of("reason", "authenticated"), 1),
                        new Metric.Sample(Map.of("reason", "retry"), 0));
        assertThat(metrics.get(2).samples().get(0).value()).isEqualTo(2);
        assertThat(metrics.get(3).samples().get(0).value()).isEqualTo(0);
    }

    @Test
    void aClosedDatabaseFailsTheStageRatherThanThrowing() throws Exception {
        database.close();
        assertThat(filter.rcptTo(
                                FilterSession.from("192.0.2.10"),
                                FilterEnvelope.from(MailAddress.parse("a@s.example")),
                                MailAddress.parse("b@r.example"))
                        .toCompletableFuture())
                .isCompletedExceptionally();
    }
}
