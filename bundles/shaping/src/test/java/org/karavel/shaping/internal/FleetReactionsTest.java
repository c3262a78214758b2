package org.karavel.shaping.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.ShapingAction.Kind;
import org.karavel.api.shaping.SharedReactions;
import org.karavel.testkit.TestClock;

/**
 * Two nodes' shaping sharing their reactions through one store (an in-memory one here; the Redis
 * one is tested against a real redis-server in the redis bundle): what node A reacts to holds on
 * node B after B reads the fleet's reactions, and ends there when it ends.
 */
class FleetReactionsTest {
    private static final String RULES = """
            gmail   suspend 1h          code 421 4.7.28
            yahoo   rate 20/min 2h      text \\[TSS04\\]
            """;

    /** The store: every node's published actions, as the Redis hash keeps them. */
    private static final class Store implements SharedReactions {
        final List<ShapingAction> published = new CopyOnWriteArrayList<>();
        volatile boolean down;

        @Override
        public CompletionStage<Void> publish(ShapingAction action) {
            if (down) {
                return CompletableFuture.failedFuture(new IllegalStateException("store down"));
            }
            published.add(action);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<List<ShapingAction>> active(Instant now) {
            if (down) {
                return CompletableFuture.failedFuture(new IllegalStateException("store down"));
            }
            List<ShapingAction> out = new ArrayList<>();
            published.stream().filter(a -> a.isActive(now)).forEach(out::add);
            return CompletableFuture.completedFuture(out);
        }
    }

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-12-07T12:00:00Z"));
    private final Store store = new Store();

    private Shaping node(String name) throws Exception {
        Path f = dir.resolve(name + "-reactions");
        Files.writeString(f, RULES);
        return new Shaping(new ReactionFile(f, Duration.ZERO)).fleet(() -> store);
    }

    private int learn(Shaping node) {
        return node.learnFromFleet(clock.instant()).toCompletableFuture().join();
    }

    @Test
    void aSuspensionSeenByOneNodeHoldsOnTheOtherUntilItEnds() throws Exception {
        Shaping a = node("a");
        Shaping b = node("b");
        assertThat(a.react("gmail", "421 4.7.28 unusual rate", clock.instant())).isPresent();
        assertThat(b.limits("gmail", clock.instant()).isSuspended(clock.instant()))
                .isFalse();

        assertThat(learn(b)).isEqualTo(1);
        assertThat(b.limits("gmail", clock.instant()).isSuspended(clock.instant()))
                .isTrue();
        assertThat(b.actions(clock.instant())).singleElement().satisfies(x -> {
            assertThat(x.kind()).isEqualTo(Kind.SUSPEND);
            assertThat(x.until()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
            assertThat(x.reply()).isEqualTo("421 4.7.28 unusual rate");
        });
        // read again: nothing new; A reading its own action back changes nothing either
        assertThat(learn(b)).isZero();
        assertThat(learn(a)).isZero();

        clock.advance(Duration.ofMinutes(61));
        assertThat(b.limits("gmail", clock.instant()).isSuspended(clock.instant()))
                .isFalse();
        assertThat(learn(b)).isZero();
    }

    @Test
    void aLoweredRateIsSharedAndAnExtensionTravelsToo() throws Exception {
        Shaping a = node("a");
        Shaping b = node("b");
        a.react("yahoo", "421 4.7.0 [TSS04] deferred", clock.instant());
        learn(b);
        assertThat(b.limits("yahoo", clock.instant()).maxMessageRate()).isEqualTo(Rate.parse("20/min"));

        // A sees the reply again an hour later: the action runs 2 h from then, on B too
        clock.advance(Duration.ofHours(1));
        assertThat(a.react("yahoo", "421 4.7.0 [TSS04] deferred again", clock.instant()))
                .isEmpty();
        assertThat(learn(b)).isEqualTo(1);
        assertThat(b.actions(clock.instant()).get(0).until())
                .isEqualTo(clock.instant().plus(Duration.ofHours(2)));
    }

    @Test
    void withTheStoreDownEachNodeKeepsItsOwnReactions() throws Exception {
        Shaping a = node("a");
        Shaping b = node("b");
        store.down = true;
        assertThat(a.react("gmail", "421 4.7.28 unusual rate", clock.instant())).isPresent();
        assertThat(a.limits("gmail", clock.instant()).isSuspended(clock.instant()))
                .isTrue();
        assertThat(learn(b)).isZero();
        assertThat(b.limits("gmail", clock.instant()).isSuspended(clock.instant()))
                .isFalse();
    }
}
