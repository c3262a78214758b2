package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.api.shaping.SitePolicies;
import org.karavel.api.shaping.SiteTraffic;

class ShapingListingTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final Instant UNTIL = NOW.plus(Duration.ofHours(1));

    private final SitePolicies policies = new SitePolicies() {
        @Override
        public String siteOf(String domain, List<String> mxHosts) {
            return domain;
        }

        @Override
        public SiteLimits limits(String site, Instant now) {
            return site.equals("yahoo")
                    ? new SiteLimits("yahoo", 10, Rate.parse("20/min"), null, 20, 100, null, null, "", UNTIL)
                    : SiteLimits.unlimited(site);
        }

        @Override
        public List<SiteLimits> rules() {
            return List.of(limits("yahoo", NOW));
        }

        @Override
        public List<ShapingAction> actions(Instant now) {
            return List.of(new ShapingAction(
                    "yahoo",
                    ShapingAction.Kind.RATE,
                    Rate.parse("20/min"),
                    0,
                    UNTIL,
                    "421 4.7.0 [TSS04] deferred",
                    "etc/karavel.shaping-reactions:25"));
        }

        @Override
        public Optional<ShapingAction> react(String site, String reply, Instant now) {
            return Optional.empty();
        }
    };

    @Test
    void sitesWithTheirTrafficThenTheActiveReactions() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SiteTraffic traffic = () -> Map.of("example.net", new SiteTraffic.Load(3, 42));
        ShapingListing.print(policies, traffic, NOW, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).startsWith("SITE").contains("CONNS", "SENT/MIN", "RATE", "STATE");
        assertThat(lines.get(1))
                .startsWith("example.net")
                .contains(" 3 ", " 42 ")
                .endsWith("open");
        assertThat(lines.get(2))
                .startsWith("yahoo")
                .contains("20/min")
                .endsWith("suspended until 2026-12-07T13:00:00Z");
        assertThat(lines.get(5))
                .startsWith("yahoo")
                .contains("rate", "20/min", "2026-12-07T13:00:00Z", "etc/karavel.shaping-reactions:25")
                .endsWith("(421 4.7.0 [TSS04] deferred)");
    }
}
