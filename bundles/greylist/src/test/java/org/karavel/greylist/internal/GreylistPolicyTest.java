package org.karavel.greylist.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.karavel.api.net.CidrBlock;
import org.karavel.testkit.TestClock;

/** postgrey's timing rules, driven by a hand-moved clock. */
class GreylistPolicyTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final InMemoryTripletStore store = new InMemoryTripletStore();
    private final GreylistPolicy policy =
            new GreylistPolicy(store, GreylistSettings.defaults(Path.of("unused")), clock);
    private final InetAddress client = ip("192.0.2.10");
    private final Triplet triplet = new Triplet("192.0.2.0/24", "alice@sender.example", "bob@rcpt.example");

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Decision check() {
        return policy.check(client, triplet);
    }

    @Test
    void firstSightIsDeferredForTheWholeDelay() {
        Decision d = check();
        assertThat(d.deferred()).isTrue();
        assertThat(d.retryInSeconds()).isEqualTo(300);
        assertThat(store.triplets.get(triplet).passed()).isFalse();
        assertThat(policy.entryCount()).isEqualTo(1);
    }

    @Test
    void earlyRetryIsDeferredForWhatIsLeftAndKeepsFirstSeen() {
        check();
        clock.advance(Duration.ofSeconds(120));
        Decision d = check();
        assertThat(d.deferred()).isTrue();
        assertThat(d.retryInSeconds()).isEqualTo(180);
        assertThat(store.triplets.get(triplet).firstSeen()).isEqualTo(Instant.parse("2026-03-01T10:00:00Z"));
        clock.advance(Duration.ofMillis(179_500));
        assertThat(check().retryInSeconds()).as("rounded up, never 0").isEqualTo(1);
    }

    @Test
    void retryAfterTheDelayPassesAndLaterMailToo() {
        check();
        clock.advance(Duration.ofSeconds(300));
        assertThat(check()).isEqualTo(Decision.pass(PassReason.RETRY));
        assertThat(store.triplets.get(triplet).passed()).isTrue();
        clock.advance(Duration.ofDays(20));
        assertThat(check()).isEqualTo(Decision.pass(PassReason.RETRY));
    }

    @Test
    void retryAfterTheWindowStartsAgain() {
        check();
        clock.advance(Duration.ofDays(2).plusSeconds(1));
        Decision d = check();
        assertThat(d.deferred()).isTrue();
        assertThat(d.retryInSeconds()).isEqualTo(300);
        assertThat(store.triplets.get(triplet).firstSeen()).isEqualTo(clock.instant());
        clock.advance(Duration.ofSeconds(300));
        assertThat(check().deferred()).isFalse();
    }

    @Test
    void retryAtTheEndOfTheWindowStillPasses() {
        check();
        clock.advance(Duration.ofDays(2));
        assertThat(check()).isEqualTo(Decision.pass(PassReason.RETRY));
    }

    @Test
    void passedEntriesUnseenForMaxAgeExpire() {
        check();
        clock.advance(Duration.ofSeconds(300));
        check();
        clock.advance(Duration.ofDays(35));
        assertThat(policy.cleanUp()).as("exactly max_age is not expired yet").isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(policy.cleanUp()).isEqualTo(2); // the triplet and its client network record
        assertThat(store.triplets).isEmpty();
        assertThat(policy.entryCount()).isZero();
        assertThat(check().deferred()).isTrue();
    }

    @Test
    void expiredEntryRestartsEvenBeforeCleanUp() {
        check();
        clock.advance(Duration.ofSeconds(300));
        check();
        clock.advance(Duration.ofDays(36));
        assertThat(check().retryInSeconds()).isEqualTo(300);
    }

    @Test
    void cleanUpDropsTripletsNeverRetriedWithinTheWindow() {
        check();
        Triplet passed = new Triplet("192.0.2.0/24", "carol@sender.example", "bob@rcpt.example");
        policy.check(client, passed);
        clock.advance(Duration.ofSeconds(300));
        policy.check(client, passed);
        clock.advance(Duration.ofDays(2).plusSeconds(1));
        policy.cleanUp();
        assertThat(store.triplets).containsOnlyKeys(passed);
    }

    @Test
    void clientNetworkIsAutoWhitelistedAfterFivePassesCountedOncePerHour() {
        // five triplets from the same /24, each greylisted then retried
        for (int i = 0; i < 5; i++) {
            policy.check(ip("192.0.2." + (10 + i)), tripletFor(i));
        }
        clock.advance(Duration.ofSeconds(300));
        for (int i = 0; i < 5; i++) {
            assertThat(policy.check(ip("192.0.2." + (10 + i)), tripletFor(i)))
                    .isEqualTo(Decision.pass(PassReason.RETRY));
        }
        assertThat(store.clients.get("192.0.2.0/24").passes())
                .as("five passes within an hour count once")
                .isEqualTo(1);

        for (int hour = 1; hour <= 3; hour++) {
            clock.advance(Duration.ofMinutes(59));
            policy.check(client, tripletFor(0));
            assertThat(store.clients.get("192.0.2.0/24").passes()).isEqualTo(hour);
            clock.advance(Duration.ofMinutes(1));
            policy.check(client, tripletFor(0));
            assertThat(store.clients.get("192.0.2.0/24").passes()).isEqualTo(hour + 1);
        }
        assertThat(policy.autoWhitelistedCount()).isEqualTo(0);
        assertThat(store.clients.get("192.0.2.0/24").passes()).isEqualTo(4);
        clock.advance(Duration.ofHours(1));
        policy.check(client, tripletFor(0));
        assertThat(store.clients.get("192.0.2.0/24").passes()).isEqualTo(5);
        assertThat(policy.autoWhitelistedCount()).isEqualTo(1);

        // a new triplet from that network is not greylisted any more; another network still is
        Triplet fresh = new Triplet("192.0.2.0/24", "new@sender.example", "bob@rcpt.example");
        assertThat(policy.check(ip("192.0.2.99"), fresh)).isEqualTo(Decision.pass(PassReason.WHITELIST));
        assertThat(store.triplets).doesNotContainKey(fresh);
        Triplet elsewhere = new Triplet("198.51.100.0/24", "new@sender.example", "bob@rcpt.example");
        assertThat(policy.check(ip("198.51.100.1"), elsewhere).deferred()).isTrue();
    }

    @Test
    void autoWhitelistOffWithZero() {
        policy.settings(GreylistSettings.defaults(Path.of("unused"))
                .withDelays(Duration.ofSeconds(300), Duration.ofDays(2), Duration.ofDays(35), 0));
        check();
        clock.advance(Duration.ofSeconds(300));
        check();
        assertThat(store.clients).isEmpty();
    }

    @Test
    void anAllowedNetworkOfAnyWidthPasses() {
        policy.allowNetwork(CidrBlock.parse("192.0.0.0/16"));
        assertThat(check()).isEqualTo(Decision.pass(PassReason.WHITELIST));
        assertThat(policy.allowedNetworkCount()).isEqualTo(1);
        // an allowed network survives clean-up for any age, and is found again by a new policy
        clock.advance(Duration.ofDays(400));
        policy.cleanUp();
        GreylistPolicy reloaded = new GreylistPolicy(store, GreylistSettings.defaults(Path.of("unused")), clock);
        assertThat(reloaded.check(ip("192.0.200.1"), triplet)).isEqualTo(Decision.pass(PassReason.WHITELIST));
    }

    @Test
    void anAllowedTripletPassesAtOnce() {
        policy.allowTriplet(triplet);
        assertThat(check()).isEqualTo(Decision.pass(PassReason.RETRY));
        assertThat(policy.entries(10)).singleElement().satisfies(e -> {
            assertThat(e.passed()).isTrue();
            assertThat(e.sender()).isEqualTo("alice@sender.example");
        });
    }

    @Test
    void entriesAreListedMostRecentFirst() {
        check();
        clock.advance(Duration.ofSeconds(10));
        Triplet second = new Triplet("192.0.2.0/24", "zed@sender.example", "bob@rcpt.example");
        policy.check(client, second);
        assertThat(policy.entries(10))
                .extracting(e -> e.sender())
                .containsExactly("zed@sender.example", "alice@sender.example");
        assertThat(policy.entries(1)).hasSize(1);
        assertThat(policy.entries(0)).isEmpty();
    }

    private static Triplet tripletFor(int i) {
        return new Triplet("192.0.2.0/24", "sender" + (char) ('a' + i) + "@sender.example", "bob@rcpt.example");
    }
}
