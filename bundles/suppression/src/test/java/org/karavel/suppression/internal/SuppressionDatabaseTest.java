package org.karavel.suppression.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.suppression.Suppression;
import org.karavel.api.suppression.SuppressionPage;
import org.karavel.api.suppression.SuppressionQuery;
import org.karavel.testkit.TestClock;

/** The store on a real MapDB file: writes, lookups, expiry, paging, import/export, restarts. */
class SuppressionDatabaseTest {
    private static final Instant START = Instant.parse("2026-12-07T12:00:00Z");

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(START);
    private SuppressionDatabase db;

    private SuppressionDatabase open(SuppressionSettings s) throws Exception {
        db = new SuppressionDatabase(MapDbSuppressionStore.open(s.storeDirectory()), s, clock);
        return db;
    }

    private SuppressionDatabase open() throws Exception {
        return open(SuppressionSettings.defaults(dir));
    }

    @AfterEach
    void close() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void addedEntriesAreFoundWhateverTheCaseAndRemoved() throws Exception {
        open();
        db.add(Suppression.manual("Bob@Example.COM", "asked us", START, null, "shell"));
        assertThat(db.find("bob@example.com")).map(Suppression::reason).contains("asked us");
        assertThat(db.find("<BOB@example.com>")).isPresent();
        assertThat(db.lookup("bob@EXAMPLE.com").toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isPresent();
        assertThat(db.find("other@example.com")).isEmpty();
        assertThat(db.count()).isEqualTo(1);
        assertThat(db.remove("bob@example.com")).isTrue();
        assertThat(db.remove("bob@example.com")).isFalse();
        assertThat(db.find("bob@example.com")).isEmpty();
        assertThatThrownBy(() -> db.find("no address")).hasMessageStartingWith("address: ");
    }

    @Test
    void bouncesAddEntriesOnlyForTheConfiguredCategoriesWithTheExpiry() throws Exception {
        open();
        Optional<Suppression> added = db.permanentFailure(
                        "gone@example.net", "invalid_recipient", "550 5.1.1 user unknown", "3F2A9C1B7D")
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(added).isPresent();
        Suppression s = db.find("gone@example.net").orElseThrow();
        assertThat(s.reason()).isEqualTo("550 5.1.1 user unknown");
        assertThat(s.category()).isEqualTo("invalid_recipient");
        assertThat(s.source()).isEqualTo("3F2A9C1B7D");
        assertThat(s.created()).isEqualTo(START);
        assertThat(s.expires()).isEqualTo(START.plus(Duration.ofDays(365)));

        assertThat(db.permanentFailure("full@example.net", "mailbox_full", "552 5.2.2 full", "A1")
                        .toCompletableFuture()
                        .get(5, TimeUnit.SECONDS))
                .isEmpty();
        assertThat(db.find("full@example.net")).isEmpty();

        db.settings(new SuppressionSettings(
                false, Set.of("invalid_recipient"), Duration.ZERO, Set.of("mx"), Set.of(), dir, Duration.ofHours(1)));
        assertThat(db.permanentFailure("off@example.net", "invalid_recipient", "550", "A2")
                        .toCompletableFuture()
                        .get(5, TimeUnit.SECONDS))
                .as("enabled=false")
                .isEmpty();
    }

    @Test
    void aBounceNeverShortensAnOperatorsEntry() throws Exception {
        open();
        db.add(Suppression.manual("keep@example.net", "forever", START, null, "admin"));
        db.permanentFailure("keep@example.net", "invalid_recipient", "550 5.1.1 no", "B1")
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        Suppression s = db.find("keep@example.net").orElseThrow();
        assertThat(s.reason()).isEqualTo("550 5.1.1 no");
        assertThat(s.expires()).isNull();
    }

    @Test
    void expiredEntriesAreIgnoredAtOnceAndPurgedLater() throws Exception {
        open();
        db.add(Suppression.manual("short@example.net", "", START, START.plus(Duration.ofHours(1)), "shell"));
        db.add(Suppression.manual("long@example.net", "", START, null, "shell"));
        clock.advance(Duration.ofHours(1));
        assertThat(db.find("short@example.net")).isEmpty();
        assertThat(db.remove("short@example.net"))
                .as("an expired entry counts as none")
                .isFalse();
        db.add(Suppression.manual("short2@example.net", "", START, START.plus(Duration.ofMinutes(1)), "shell"));
        assertThat(db.list(SuppressionQuery.all()).entries())
                .extracting(Suppression::address)
                .containsExactly("long@example.net");
        assertThat(db.count()).as("stored until the purge").isEqualTo(2);
        assertThat(db.purgeNow().toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(db.count()).isEqualTo(1);
    }

    @Test
    void listingsPageInAddressOrderAndFilter() throws Exception {
        open();
        List<Suppression> many = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            many.add(new Suppression(
                    String.format("user%02d@%s", i, i % 2 == 0 ? "even.example" : "odd.example"),
                    "550 5.1.1",
                    i % 5 == 0 ? "bad_domain" : "invalid_recipient",
                    START,
                    null,
                    "Q" + i));
        }
        assertThat(db.importEntries(many)).isEqualTo(25);
        SuppressionPage first = db.list(new SuppressionQuery("", "", "", 10));
        assertThat(first.entries()).hasSize(10);
        assertThat(first.entries().get(0).address()).isEqualTo("user00@even.example");
        assertThat(first.next()).isEqualTo("user09@odd.example");
        SuppressionPage second = db.list(new SuppressionQuery("", "", first.next(), 10));
        assertThat(second.entries().get(0).address()).isEqualTo("user10@even.example");
        SuppressionPage last = db.list(new SuppressionQuery("", "", second.next(), 10));
        assertThat(last.entries()).hasSize(5);
        assertThat(last.next()).isEmpty();

        assertThat(db.list(new SuppressionQuery("@odd.EXAMPLE", "", "", 100)).entries())
                .hasSize(12);
        assertThat(db.list(new SuppressionQuery("", "bad_domain", "", 100)).entries())
                .extracting(Suppression::address)
                .containsExactly(
                        "user00@even.example",
                        "user05@odd.example",
                        "user10@even.example",
                        "user15@odd.example",
                        "user20@even.example");
        List<Suppression> exported = new ArrayList<>();
        db.exportEntries(exported::add);
        assertThat(exported).hasSize(25).first().isEqualTo(many.get(0));
    }

    @Test
    void entriesSurviveARestart() throws Exception {
        open();
        db.add(Suppression.manual("op@example.net", "by hand", START, null, "shell"));
        db.permanentFailure("b@example.net", "bad_domain", "550 5.1.2 no such domain", "C3")
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        db.close();
        db = null;
        open();
        assertThat(db.find("op@example.net")).map(Suppression::reason).contains("by hand");
        assertThat(db.find("b@example.net")).map(Suppression::category).contains("bad_domain");
        assertThat(Files.list(dir).map(p -> p.getFileName().toString())).contains("suppression.db");
    }

    @Test
    void anUnreadableFileIsSetAsideAndAnEmptyListStarts() throws Exception {
        Files.write(dir.resolve("suppression.db"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        open();
        assertThat(db.count()).isZero();
        db.add(Suppression.manual("x@example.net", "", START, null, "shell"));
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()))
                .anyMatch(n -> n.startsWith("suppression.db.broken-"));
    }

    @Test
    void aClosedListRefusesWork() throws Exception {
        open();
        db.close();
        assertThatThrownBy(() -> db.find("a@example.net")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> db.add(Suppression.manual("a@example.net", "", START, null, "")))
                .isInstanceOf(IllegalStateException.class);
        assertThat(db.permanentFailure("a@example.net", "invalid_recipient", "550", "Q")
                        .toCompletableFuture()
                        .isCompletedExceptionally())
                .isTrue();
        db = null;
    }
}
