package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.shaping.Rate;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.api.shaping.SitePolicies;
import org.karavel.api.shaping.SiteTraffic;

/** {@code GET /api/v1/shaping} over HTTP: sites with their limits and traffic, the active reactions. */
class ShapingEndpointsTest {
    private static final Instant UNTIL = Instant.now().plus(Duration.ofHours(1)).plusMillis(1);

    private RunningAdmin admin;

    /** One rule (gmail, suspended by a reaction) and a domain that is its own site. */
    private static final class TwoSites implements SitePolicies {
        @Override
        public String siteOf(String domain, List<String> mxHosts) {
            return domain;
        }

        @Override
        public SiteLimits limits(String site, Instant now) {
            return site.equals("gmail")
                    ? new SiteLimits("gmail", 20, Rate.parse("1000/min"), null, 50, 100, null, null, "", UNTIL)
                    : SiteLimits.unlimited(site);
        }

        @Override
        public List<SiteLimits> rules() {
            return List.of(limits("gmail", Instant.now()));
        }

        @Override
        public List<ShapingAction> actions(Instant now) {
            return List.of(new ShapingAction(
                    "gmail",
                    ShapingAction.Kind.SUSPEND,
                    null,
                    0,
                    UNTIL,
                    "421 4.7.28 unusual rate",
                    "etc/karavel.shaping-reactions:20"));
        }

        @Override
        public Optional<ShapingAction> react(String site, String reply, Instant now) {
            return Optional.empty();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        admin = RunningAdmin.trustedHttp();
    }

    @AfterEach
    void tearDown() {
        admin.close();
    }

    @Test
    void sitesAndActiveReactionsAsJson() throws Exception {
        assertThat(admin.get("/api/v1/shaping").statusCode()).isEqualTo(503);
        admin.services.sitePolicies = new TwoSites();
        admin.services.siteTraffic = () -> Map.of("example.net", new SiteTraffic.Load(2, 30));
        HttpResponse<String> r = admin.get("/api/v1/shaping");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = new ObjectMapper().readTree(r.body());
        JsonNode sites = body.get("sites");
        assertThat(sites).hasSize(2);
        assertThat(sites.get(0).get("site").asText()).isEqualTo("example.net");
        assertThat(sites.get(0).get("connections").asInt()).isEqualTo(2);
        assertThat(sites.get(0).get("sent_last_minute").asInt()).isEqualTo(30);
        assertThat(sites.get(1).get("site").asText()).isEqualTo("gmail");
        assertThat(sites.get(1).get("max_message_rate").asText()).isEqualTo("1000/min");
        assertThat(sites.get(1).get("suspended_until").asText()).isEqualTo(UNTIL.toString());
        JsonNode action = body.get("actions").get(0);
        assertThat(action.get("action").asText()).isEqualTo("suspend");
        assertThat(action.get("until").asText()).isEqualTo(UNTIL.toString());
        assertThat(action.get("reply").asText()).isEqualTo("421 4.7.28 unusual rate");
        assertThat(body.get("delivery_running").asBoolean()).isTrue();
    }
}
