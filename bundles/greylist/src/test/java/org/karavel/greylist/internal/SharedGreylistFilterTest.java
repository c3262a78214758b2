package org.karavel.greylist.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.karavel.api.fleet.SharedGreylist;
import org.karavel.api.net.CidrBlock;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterSession;
import org.karavel.testkit.LogCapture;
import org.karavel.testkit.TestClock;

/**
 * The filter with a fleet's shared greylist published: it asks that one instead of its database,
 * with its own settings, and fails open when it fails or is slow. (The shared greylist's decisions
 * themselves are tested against a real Redis in bundles/redis.)
 */
class SharedGreylistFilterTest {
    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final GreylistCounters counters = new GreylistCounters();
    private final Fleet fleet = new Fleet();
    private volatile SharedGreylist published = fleet;
    private GreylistDatabase database;
    private GreylistFilter filter;

    /** A shared greylist whose answers the test sets, and which records what it was asked. */
    static final class Fleet implements SharedGreylist {
        final List<Sighting> asked = new ArrayList<>();
        Function<Sighting, CompletionStage<Verdict>> answer =
                s -> CompletableFuture.completedFuture(new Verdict(false, "new", 300));

        @Override
        public synchronized CompletionStage<Verdict> decide(Sighting sighting) {
            asked.add(sighting);
            return answer.apply(sighting);
        }

        @Override
        public CompletionStage<Void> allow(String clientNetwork, String sender, String recipient) {
            return CompletableFuture.completedFuture(null);
        }
    }

    @BeforeEach
    void open() throws Exception {
        GreylistSettings s = GreylistSettings.defaults(dir);
        database = new GreylistDatabase(MapDbTripletStore.open(s.storeDirectory()), s, clock, counters);
        filter = new GreylistFilter(s, database, counters, new SharedDecisions(() -> published, counters, clock));
    }

    @AfterEach
    void close() {
        database.close();
    }

    private Verdict rcpt(String client, String sender, String recipient) throws Exception {
        return filter.rcptTo(FilterSession.from(client), FilterEnvelope.from(sender), MailAddress.parse(recipient))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    @Test
    void theSharedGreylistDecidesWithThisNodesSettingsAndTheDatabaseStaysUntouched() throws Exception {
        Verdict v = rcpt("192.0.2.10", "Alice+news@Sender.example", "bob@rcpt.example");
        assertThat(v.toString()).isEqualTo("450 4.2.0 Greylisted, please try again in 300 seconds");
        assertThat(fleet.asked).singleElement().satisfies(s -> {
            assertThat(s.triplet()).isEqualTo("192.0.2.0/24\0alice@sender.example\0bob@rcpt.example");
            assertThat(s.clientNetwork()).isEqualTo("192.0.2.0/24");
            assertThat(s.now()).isEqualTo(clock.instant());
            assertThat(s.delay()).isEqualTo(Duration.ofSeconds(300));
            assertThat(s.retryWindow()).isEqualTo(Duration.ofDays(2));
            assertThat(s.passedTtl()).isEqualTo(Duration.ofDays(35));
            assertThat(s.autoWhitelistAfter()).isEqualTo(5);
        });
        assertThat(database.entries(10)).isEmpty();

        fleet.answer = s -> CompletableFuture.completedFuture(new SharedGreylist.Verdict(true, "retry", 0));
        assertThat(rcpt("192.0.2.10", "alice@sender.example", "bob@rcpt.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        fleet.answer = s -> CompletableFuture.completedFuture(new SharedGreylist.Verdict(true, "auto", 0));
        rcpt("192.0.2.10", "carol@sender.example", "bob@rcpt.example");
        assertThat(counters.passed()).containsEntry("retry", 1L).containsEntry("whitelist", 1L);
        assertThat(counters.deferred()).isEqualTo(1);
    }

    @Test
    void aFailingOrSilentSharedGreylistLetsMailThroughWithOneWarning() throws Exception {
        fleet.answer = s -> CompletableFuture.failedFuture(new IllegalStateException("Redis not connected"));
        try (LogCapture log = new LogCapture()) {
            for (int i = 0; i < 3; i++) {
                assertThat(rcpt("192.0.2.10", "alice@sender.example", "bob@rcpt.example")
                                .kind())
                        .isEqualTo(Verdict.Kind.NO_OPINION);
            }
            fleet.answer = s -> new CompletableFuture<>(); // never answers
            long t0 = System.nanoTime();
            assertThat(rcpt("192.0.2.10", "alice@sender.example", "bob@rcpt.example")
                            .kind())
                    .isEqualTo(Verdict.Kind.NO_OPINION);
            assertThat(Duration.ofNanos(System.nanoTime() - t0))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(SharedDecisions.TIMEOUT_MILLIS))
                    .isLessThan(Duration.ofSeconds(4));
            assertThat(log.text().lines().filter(l -> l.contains("shared greylist does not answer")))
                    .hasSize(1);
        }
        assertThat(counters.failedOpenCount()).isEqualTo(4);
        assertThat(counters.passed()).containsEntry("fail_open", 4L);
        assertThat(counters.metrics(() -> 0, () -> 0))
                .filteredOn(m -> m.name().equals("karavel_greylist_fail_open_total"))
                .singleElement()
                .satisfies(m -> assertThat(m.samples().get(0).value()).isEqualTo(4.0));

        fleet.answer = s -> CompletableFuture.completedFuture(new SharedGreylist.Verdict(false, "early", 20));
        assertThat(rcpt("192.0.2.10", "alice@sender.example", "bob@rcpt.example")
                        .kind())
                .as("greylisting again once it answers")
                .isEqualTo(Verdict.Kind.DEFER);
    }

    @Test
    void anOperatorAllowedNetworkPassesWithoutAskingAndNoSharedGreylistMeansTheDatabase() throws Exception {
        database.allow("198.51.0.0/16", null, null);
        assertThat(rcpt("198.51.100.7", "alice@sender.example", "bob@rcpt.example")
                        .kind())
                .isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(fleet.asked).isEmpty();
        assertThat(database.operatorEntry("192.0.2.77", "<Alice+x@Sender.example>", "Bob@rcpt.example"))
                .containsExactly("192.0.2.0/24", "alice@sender.example", "bob@rcpt.example");
        assertThat(database.operatorEntry("198.51.0.0/16", "", null))
                .containsExactly(CidrBlock.parse("198.51.0.0/16").toString(), null, null);

        published = null;
        assertThat(rcpt("192.0.2.10", "alice@sender.example", "bob@rcpt.example")
                        .kind())
                .isEqualTo(Verdict.Kind.DEFER);
        assertThat(database.entries(10)).hasSize(1);
        assertThat(fleet.asked).isEmpty();
    }
}
