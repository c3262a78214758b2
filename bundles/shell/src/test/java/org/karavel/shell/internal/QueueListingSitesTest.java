package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code mta:queue-list} names each pending recipient's traffic-shaping site when delivery knows it. */
class QueueListingSitesTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    @Test
    void aPendingRecipientShowsItsSite() {
        Map<String, String> sites = Map.of("example.com", "gmail");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new QueueListing(ZoneOffset.UTC, NOW)
                .withSites(d -> sites.getOrDefault(d, ""))
                .write(
                        List.of(QueueFixtures.message(
                                "3F2A9C1B7D", "a@sender.test", NOW, 100, "bob@example.com", "carol@other.test")),
                        null,
                        new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("bob@example.com (pending, site gmail)").contains("carol@other.test (pending)");
    }
}
