package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.fleet.FleetNode;
import org.karavel.testkit.MemorySpool;

/** {@code GET /api/v1/nodes} over HTTP: the fleet's nodes, or this node alone without a shared store. */
class NodeEndpointsTest {
    private static final Instant SEEN = Instant.parse("2026-12-07T15:00:00Z");

    private RunningAdmin admin;

    @BeforeEach
    void setUp() throws Exception {
        admin = RunningAdmin.trustedHttp();
    }

    @AfterEach
    void tearDown() {
        admin.close();
    }

    /** Two nodes as heartbeats described them, one of them gone. */
    private static final class TwoNodes implements Fleet {
        final FleetNode a = new FleetNode("node-a.fleet.example", "0.1.0", 3, Duration.ofSeconds(95), SEEN, false);
        final FleetNode b = new FleetNode(
                "node-b.fleet.example", "0.1.0", 0, Duration.ZERO, SEEN.minus(Duration.ofMinutes(5)), true);

        @Override
        public FleetNode self() {
            return a;
        }

        @Override
        public List<FleetNode> nodes() {
            return List.of(a, b);
        }

        @Override
        public int liveNodes() {
            return 1;
        }

        @Override
        public boolean storeReachable() {
            return true;
        }
    }

    @Test
    void theFleetAsItsHeartbeatsTellIt() throws Exception {
        admin.services.fleet = new TwoNodes();
        HttpResponse<String> r = admin.get("/api/v1/nodes");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = new ObjectMapper().readTree(r.body());
        assertThat(body.get("shared_store").asBoolean()).isTrue();
        assertThat(body.get("store_reachable").asBoolean()).isTrue();
        assertThat(body.get("live_nodes").asInt()).isEqualTo(1);
        assertThat(body.has("note")).isFalse();
        JsonNode nodes = body.get("nodes");
        assertThat(nodes).hasSize(2);
        assertThat(nodes.get(0).get("name").asText()).isEqualTo("node-a.fleet.example");
        assertThat(nodes.get(0).get("version").asText()).isEqualTo("0.1.0");
        assertThat(nodes.get(0).get("queue_size").asLong()).isEqualTo(3);
        assertThat(nodes.get(0).get("oldest_message_age_seconds").asLong()).isEqualTo(95);
        assertThat(nodes.get(0).get("last_seen").asText()).isEqualTo("2026-12-07T15:00:00Z");
        assertThat(nodes.get(0).get("gone").asBoolean()).isFalse();
        assertThat(nodes.get(1).get("name").asText()).isEqualTo("node-b.fleet.example");
        assertThat(nodes.get(1).get("gone").asBoolean()).isTrue();
    }

    @Test
    void withoutASharedStoreThisNodeAlone() throws Exception {
        try (MemorySpool spool = new MemorySpool()) {
            admin.services.spool = spool;
            HttpResponse<String> r = admin.get("/api/v1/nodes");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode body = new ObjectMapper().readTree(r.body());
            assertThat(body.get("shared_store").asBoolean()).isFalse();
            assertThat(body.get("note").asText()).isEqualTo("no shared store configured");
            assertThat(body.get("live_nodes").asInt()).isEqualTo(1);
            JsonNode nodes = body.get("nodes");
            assertThat(nodes).hasSize(1);
            assertThat(nodes.get(0).get("name").asText()).isNotBlank();
            assertThat(nodes.get(0).get("queue_size").asLong()).isZero();
            assertThat(nodes.get(0).get("oldest_message_age_seconds").asLong()).isZero();
            assertThat(nodes.get(0).get("gone").asBoolean()).isFalse();
        }
    }
}
