package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.testkit.TestClock;

/** The scheduler's per-site bookkeeping: holds and their timers, connection slots across domains. */
class SiteGatesTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-12-07T12:00:00Z"));
    private final SiteGates gates = new SiteGates();

    @Test
    void aHoldExtendedAfterItsTimerWasSetGetsATimerOfItsOwnWhenTheFirstFires() {
        Instant first = clock.instant().plusMillis(100);
        Instant later = clock.instant().plusMillis(300);
        assertThat(gates.holdUntil("gmail", first))
                .as("first hold sets a timer")
                .isTrue();
        assertThat(gates.holdUntil("gmail", later))
                .as("the timer set for earlier will look again")
                .isFalse();
        clock.advance(Duration.ofMillis(100));
        assertThat(gates.waitNanos("gmail", clock.instant())).isEqualTo(200_000_000L);
        assertThat(gates.woken("gmail", first, clock.instant())).isEqualTo(later);
        clock.advance(Duration.ofMillis(200));
        assertThat(gates.woken("gmail", later, clock.instant())).isNull();
        assertThat(gates.waitNanos("gmail", clock.instant())).isZero();
    }

    @Test
    void connectionsCountAcrossTheSitesDomainsOnceItsLimitsAreKnown() {
        // before any worker read the limits: one connection at a time
        assertThat(gates.roomFor("gmail")).isTrue();
        gates.opened("gmail");
        assertThat(gates.roomFor("gmail")).isFalse();
        gates.limits("gmail", new SiteLimits("gmail", 2, null, null, 1, 0, null, null, "", null));
        assertThat(gates.roomFor("gmail")).isTrue();
        // a domain counted under its own name until its MX answer named the site
        gates.opened("googlemail.com");
        gates.moved("googlemail.com", "gmail", 1);
        assertThat(gates.roomFor("gmail")).isFalse();
        gates.opened("gmail");
        assertThat(gates.overLimit("gmail")).isTrue();
        gates.closed("gmail");
        assertThat(gates.connections()).containsEntry("gmail", 2);
    }

    @Test
    void aSiteTheFleetHoldsFullTakesNoNewConnectionUntilItsRetryOrOneOfOursEnds() {
        gates.limits("gmail", new SiteLimits("gmail", 5, null, null, 1, 0, null, null, "", null));
        DestinationQueue q = new DestinationQueue(
                new Destination(Destination.Kind.REMOTE, "gmail.com"), null, Duration.ofSeconds(2), gates::limits);
        assertThat(gates.fleetFull("gmail"))
                .as("the first refusal sets the retry's timer")
                .isTrue();
        assertThat(gates.fleetFull("gmail")).as("one timer at a time").isFalse();
        gates.waitFor("gmail", q);
        assertThat(gates.roomFor("gmail")).isFalse();
        // the retry's timer fires: the waiting queue asks the fleet again
        assertThat(gates.fleetRetry("gmail")).containsExactly(q);
        assertThat(gates.roomFor("gmail")).isTrue();
        assertThat(gates.fleetFull("gmail"))
                .as("a new refusal sets a new timer")
                .isTrue();
        // one of this node's connections to the site ends: its slot went back to the fleet
        gates.fleetSlotFreed("gmail");
        assertThat(gates.roomFor("gmail")).isTrue();
    }
}
