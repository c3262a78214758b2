package org.karavel.greylist.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterSession;

/** The DS wrapper: activation on a directory, configuration changes, deactivation. */
class GreylistComponentTest {
    @TempDir
    Path dir;

    private static Verdict rcpt(GreylistComponent c, String recipient) throws Exception {
        return c.rcptTo(
                        FilterSession.from("192.0.2.10"),
                        FilterEnvelope.from(MailAddress.parse("a@s.example")),
                        MailAddress.parse(recipient))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    @Test
    void activatesOnItsDirectoryAndFollowsConfigurationChanges() throws Exception {
        Path first = dir.resolve("one");
        GreylistComponent c =
                new GreylistComponent(GreylistSettingsTest.config(Map.of("store__directory", first.toString())));
        try {
            assertThat(first.resolve("greylist.db")).exists();
            assertThat(rcpt(c, "b@r.example").text()).isEqualTo("Greylisted, please try again in 300 seconds");

            c.modified(
                    GreylistSettingsTest.config(Map.of("store__directory", first.toString(), "delay__seconds", 60L)));
            assertThat(rcpt(c, "c@r.example").text()).isEqualTo("Greylisted, please try again in 60 seconds");
            assertThat(c.stats().entries()).isEqualTo(2);

            Path second = dir.resolve("two");
            c.modified(GreylistSettingsTest.config(Map.of("store__directory", second.toString())));
            assertThat(second.resolve("greylist.db")).exists();
            assertThat(c.entries(10)).isEmpty();
            assertThat(c.stats().deferred())
                    .as("counters outlive a new directory")
                    .isEqualTo(2);

            c.modified(GreylistSettingsTest.config(
                    Map.of("store__directory", second.toString(), "listeners", new String[] {"submission"})));
            assertThat(rcpt(c, "d@r.example").kind()).isEqualTo(Verdict.Kind.NO_OPINION);
            assertThat(c.metrics()).extracting(m -> m.name()).contains("karavel_greylist_entries");
        } finally {
            c.deactivate();
        }
        // closed cleanly: the first directory's file opens again with its two triplets
        try (MapDbTripletStore store = MapDbTripletStore.open(first)) {
            assertThat(store.size()).isEqualTo(2);
        }
    }
}
