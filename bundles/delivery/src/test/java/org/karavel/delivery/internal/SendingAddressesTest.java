package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.Origin;
import org.karavel.api.shaping.LocalRateLimiter;
import org.karavel.api.shaping.Rate;
import org.karavel.testkit.TestClock;

/** Pools and source addresses: which pool a message gets, which source by weight, and the warm-up. */
class SendingAddressesTest {
    private final List<SendingSource> sources = new ArrayList<>();
    private final List<SendingPool> pools = new ArrayList<>();
    private final TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final LocalRateLimiter limiter = new LocalRateLimiter();
    private final SendingAddresses sending = new SendingAddresses(() -> sources, () -> pools, () -> limiter, clock);

    private static SendingSource source(String name, String ip, Warmup warmup) throws IOException {
        return new SendingSource(name, InetAddress.getByName(ip), name + ".mta.test", warmup, true);
    }

    private static SendingPool pool(
            String name, String members, Set<String> domains, Set<String> users, Set<String> listeners) {
        return new SendingPool(name, SendingPool.parseMembers(List.of(members.split(","))), domains, users, listeners);
    }

    private static Envelope envelope(String from, String user, String listener, Origin origin) {
        return new Envelope(
                DeliveryFixture.address(from),
                List.of(DeliveryFixture.address("rcpt@example.test")),
                Map.of(),
                Instant.now(),
                "127.0.0.1",
                "client.test",
                listener,
                user,
                origin);
    }

    @Test
    void theSharesOfAPoolFollowItsWeightsExactly() throws Exception {
        sources.add(source("a", "127.0.0.2", Warmup.NONE));
        sources.add(source("b", "127.0.0.3", Warmup.NONE));
        pools.add(pool("default", "a:3, b:1", Set.of(), Set.of(), Set.of()));
        Envelope e = envelope("app@sender.test", "", "mx", Origin.relayHost("127.0.0.1"));

        Map<String, Integer> counts = new HashMap<>();
        String previous = "";
        int runs = 0;
        int longestRun = 0;
        for (int i = 0; i < 1000; i++) {
            String s = sending.choose(e, null).source().name();
            counts.merge(s, 1, Integer::sum);
            runs = s.equals(previous) ? runs + 1 : 1;
            longestRun = Math.max(longestRun, runs);
            previous = s;
        }

        assertThat(counts).containsEntry("a", 750).containsEntry("b", 250);
        // interleaved, not 750 in a row
        assertThat(longestRun).isLessThanOrEqualTo(3);
    }

    @Test
    void thePoolIsChosenByHeaderThenUserThenSenderDomainThenListenerThenDefault() throws Exception {
        sources.add(source("s", "127.0.0.2", Warmup.NONE));
        pools.add(pool("default", "s", Set.of(), Set.of(), Set.of()));
        pools.add(pool("bulk", "s", Set.of("news.test"), Set.of(), Set.of()));
        pools.add(pool("users", "s", Set.of(), Set.of("alice@sender.test"), Set.of()));
        pools.add(pool("listener", "s", Set.of(), Set.of(), Set.of("submission")));
        pools.add(pool("tx", "s", Set.of(), Set.of(), Set.of()));

        Envelope relay = envelope("app@news.test", "", "mx", Origin.relayHost("127.0.0.1"));
        assertThat(sending.poolOf(relay, null).orElseThrow().name()).isEqualTo("bulk");
        assertThat(sending.poolOf(relay, " TX ").orElseThrow().name()).isEqualTo("tx");
        assertThat(sending.poolOf(relay, "nosuchpool").orElseThrow().name()).isEqualTo("bulk");
        Envelope submitted =
                envelope("alice@news.test", "alice@sender.test", "submission", Origin.submission("alice@sender.test"));
        assertThat(sending.poolOf(submitted, null).orElseThrow().name()).isEqualTo("users");
        Envelope onListener =
                envelope("bob@other.test", "bob@other.test", "submission", Origin.submission("bob@other.test"));
        assertThat(sending.poolOf(onListener, null).orElseThrow().name()).isEqualTo("listener");
        Envelope other = envelope("x@other.test", "", "mx", Origin.relayHost("127.0.0.1"));
        assertThat(sending.poolOf(other, null).orElseThrow().name()).isEqualTo("default");
        // mail from the Internet cannot pick its pool by a header
        Envelope internet = envelope("x@other.test", "", "mx", Origin.internet("192.0.2.1"));
        assertThat(sending.poolOf(internet, "tx").orElseThrow().name()).isEqualTo("default");
    }

    @Test
    void withoutAMatchingPoolOrAnyPoolTheSystemChoosesTheAddress() throws Exception {
        Envelope e = envelope("x@other.test", "", "mx", Origin.relayHost("127.0.0.1"));
        assertThat(sending.choose(e, null)).isEqualTo(SendingAddresses.Choice.ANY);
        sources.add(source("s", "127.0.0.2", Warmup.NONE));
        pools.add(pool("bulk", "s", Set.of("news.test"), Set.of(), Set.of()));
        assertThat(sending.choose(e, null)).isEqualTo(SendingAddresses.Choice.ANY);
    }

    @Test
    void aSourceOverItsWarmupLimitIsSkippedAndWhenAllAreOverTheMailWaits() throws Exception {
        sources.add(source("new", "127.0.0.2", Warmup.parse("2026-12-01: 2/day, 4/day")));
        sources.add(source("old", "127.0.0.3", Warmup.parse("2026-11-01: 3/day")));
        pools.add(pool("default", "new:1, old:1", Set.of(), Set.of(), Set.of()));
        Envelope e = envelope("app@sender.test", "", "mx", Origin.relayHost("127.0.0.1"));

        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            chosen.add(sending.choose(e, null).source().name());
        }
        // the new address's 2 of the day, then only the old one, whose warm-up is over
        assertThat(chosen).containsExactlyInAnyOrder("new", "new", "old", "old");
        assertThat(sending.choose(e, null).source().name()).isEqualTo("old");

        sources.set(1, source("old", "127.0.0.3", Warmup.parse("2026-12-01: 1/day")));
        limiter.tryAcquire("warmup:127.0.0.3", Rate.parse("1/day"), 1, clock.instant());
        SendingAddresses.Choice waits = sending.choose(e, null);
        assertThat(waits.waits()).isTrue();
        assertThat(waits.source()).isNull();
        assertThat(waits.waitUntil()).isAfter(clock.instant());
    }

    @Test
    void aSourcesMessageRateIsHeldWhenTheMessageIsTakenAndItsWaitEndsAtTheLimitersRetryTime() throws Exception {
        sources.add(new SendingSource(
                "slow", InetAddress.getByName("127.0.0.2"), "", Warmup.NONE, true, Rate.parse("6/min")));
        sources.add(new SendingSource(
                "fast", InetAddress.getByName("127.0.0.3"), "", Warmup.NONE, true, Rate.parse("60/min")));
        pools.add(pool("default", "slow:1, fast:1", Set.of(), Set.of(), Set.of()));
        Envelope e = envelope("app@sender.test", "", "mx", Origin.relayHost("127.0.0.1"));

        // one a turn by weight while both have room; then slow (one per 10 s) is skipped for fast (one per s)
        assertThat(sending.choose(e, null).source().name()).isEqualTo("slow");
        assertThat(sending.choose(e, null).source().name()).isEqualTo("fast");
        SendingAddresses.Choice third = sending.choose(e, null);
        assertThat(third.waits()).isTrue();
        // the limiter's retry time of the one that frees first: fast's, 1 s on
        assertThat(third.waitUntil()).isEqualTo(clock.instant().plusSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(sending.choose(e, null).source().name()).isEqualTo("fast");
        clock.advance(Duration.ofSeconds(9));
        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            chosen.add(sending.choose(e, null).source().name());
        }
        assertThat(chosen).containsExactlyInAnyOrder("slow", "fast");
        // the budget is the limiter's, under the source's key
        assertThat(limiter.peek("source:127.0.0.2", Rate.parse("6/min"), 1, clock.instant())
                        .admitted())
                .isFalse();
    }

    @Test
    void aRefusalByTheMessageRateSpendsNothingOfTheWarmup() throws Exception {
        sources.add(new SendingSource(
                "s",
                InetAddress.getByName("127.0.0.2"),
                "",
                Warmup.parse("2026-12-01: 3/day"),
                true,
                Rate.parse("1/min")));
        pools.add(pool("default", "s:1", Set.of(), Set.of(), Set.of()));
        Envelope e = envelope("app@sender.test", "", "mx", Origin.relayHost("127.0.0.1"));
        int sent = 0;
        for (int i = 0; i < 30; i++) {
            sent += sending.choose(e, null).waits() ? 0 : 1;
        }
        assertThat(sent).isEqualTo(1);
        clock.advance(Duration.ofMinutes(1));
        assertThat(sending.choose(e, null).waits()).isFalse();
        clock.advance(Duration.ofMinutes(1));
        assertThat(sending.choose(e, null).waits()).isFalse();
        clock.advance(Duration.ofMinutes(1));
        // the day's three are spent: the warm-up refuses now, until well after the next minute
        SendingAddresses.Choice fourth = sending.choose(e, null);
        assertThat(fourth.waits()).isTrue();
        assertThat(fourth.waitUntil()).isAfter(clock.instant().plus(Duration.ofHours(1)));
    }

    @Test
    void aSourceNotOnThisMachineIsSkipped() throws Exception {
        sources.add(new SendingSource("gone", InetAddress.getByName("192.0.2.1"), "", Warmup.NONE, false));
        sources.add(source("here", "127.0.0.2", Warmup.NONE));
        pools.add(pool("default", "gone:10, here:1", Set.of(), Set.of(), Set.of()));
        Envelope e = envelope("app@sender.test", "", "mx", Origin.relayHost("127.0.0.1"));

        for (int i = 0; i < 5; i++) {
            assertThat(sending.choose(e, null).source().name()).isEqualTo("here");
        }
        assertThat(SourceComponent.isOnThisMachine(InetAddress.getByName("192.0.2.1"), "f", "gone"))
                .isFalse();
        assertThat(SourceComponent.isOnThisMachine(InetAddress.getByName("127.0.0.2"), "f", "here"))
                .isTrue();
    }

    @Test
    void theWarmupRisesDayByDayAndEnds() {
        Warmup w = Warmup.parse("2026-12-01: 500/day, 1000/day, 2000/day");
        assertThat(w.limitOn(LocalDate.parse("2026-11-30"))).contains(Rate.parse("500/day"));
        assertThat(w.limitOn(LocalDate.parse("2026-12-01"))).contains(Rate.parse("500/day"));
        assertThat(w.limitOn(LocalDate.parse("2026-12-02"))).contains(Rate.parse("1000/day"));
        assertThat(w.limitOn(LocalDate.parse("2026-12-03"))).contains(Rate.parse("2000/day"));
        assertThat(w.limitOn(LocalDate.parse("2026-12-04"))).isEmpty();
        assertThat(Warmup.parse("").limitOn(LocalDate.parse("2026-12-04"))).isEmpty();
        assertThat(w.toString()).isEqualTo("2026-12-01: 500/day, 1000/day, 2000/day");
        assertThatThrownBy(() -> Warmup.parse("500/day")).hasMessageContaining("start-date");
        assertThatThrownBy(() -> Warmup.parse("2026-13-01: 500/day")).hasMessageContaining("not a date");
        assertThatThrownBy(() -> Warmup.parse("2026-12-01: 500/fortnight")).hasMessageContaining("fortnight");
    }

    @Test
    void thePoolHeaderIsReadAndRemovedWithItsContinuationLines() throws Exception {
        String message = "From: a@sender.test\r\n"
                + "X-Karavel-Pool: bulk\r\n"
                + "Subject: hi\r\n"
                + "x-karavel-pool: tx,\r\n"
                + "\tfolded\r\n"
                + "To: b@example.test\r\n"
                + "\r\n"
                + "X-Karavel-Pool: in the body stays\r\n";
        assertThat(PoolHeader.read(stream(message))).isEqualTo("tx,\tfolded");
        String stripped = new String(PoolHeader.strip(stream(message)).readAllBytes(), StandardCharsets.UTF_8);
        assertThat(stripped)
                .isEqualTo("From: a@sender.test\r\nSubject: hi\r\nTo: b@example.test\r\n\r\n"
                        + "X-Karavel-Pool: in the body stays\r\n");
        assertThat(PoolHeader.read(stream("Subject: none\r\n\r\nbody"))).isNull();
    }

    private static InputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
