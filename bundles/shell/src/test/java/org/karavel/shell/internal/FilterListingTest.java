package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FilterListingTest {
    @Test
    void filtersAreListedInTheOrderTheListenerAsksThem() {
        List<FilterListing.Entry> entries = List.of(
                new FilterListing.Entry("content-filter", 100, 90, 20000L, "org.karavel.examples.contentfilter", 70),
                new FilterListing.Entry("relay", 1000, 40, null, "org.karavel.relay", 60),
                new FilterListing.Entry("dnsbl", 500, 41, null, "org.karavel.dnsbl", 61),
                new FilterListing.Entry("late-twin", 500, 95, null, "x", 80));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FilterListing.write(entries, new PrintStream(out, true, StandardCharsets.UTF_8));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).contains("Name", "Ranking", "Timeout", "Bundle");
        assertThat(lines.get(1)).startsWith("1").contains("relay", "1000", "default", "org.karavel.relay [60]");
        assertThat(lines.get(2)).startsWith("2").contains("dnsbl", "500");
        assertThat(lines.get(3)).startsWith("3").contains("late-twin");
        assertThat(lines.get(4)).startsWith("4").contains("content-filter", "100", "20000 ms");
    }

    @Test
    void noFiltersSaysWhatThatMeans() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FilterListing.write(List.of(), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("No SMTP filters are registered");
    }
}
