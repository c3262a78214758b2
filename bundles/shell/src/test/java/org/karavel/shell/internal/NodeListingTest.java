package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.shell.internal.QueueFixtures.message;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.junit.jupiter.api.Test;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.fleet.FleetNode;
import org.karavel.testkit.MemorySpool;

class NodeListingTest {
    private static final Instant NOW = Instant.parse("2026-12-07T15:00:00Z");

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);

    private static Fleet fleet(boolean reachable, FleetNode... nodes) {
        return new Fleet() {
            @Override
            public FleetNode self() {
                return nodes[0];
            }

            @Override
            public List<FleetNode> nodes() {
                return List.of(nodes);
            }

            @Override
            public int liveNodes() {
                return (int) List.of(nodes).stream().filter(n -> !n.gone()).count();
            }

            @Override
            public boolean storeReachable() {
                return reachable;
            }
        };
    }

    @Test
    void everyNodeWithItsQueueAndStateThenTheStore() {
        NodeListing.print(
                fleet(
                        true,
                        new FleetNode("node-a.fleet.example", "0.1.0", 12, Duration.ofSeconds(95), NOW, false),
                        new FleetNode("node-b.fleet.example", "0.1.0", 0, Duration.ZERO, NOW.minusSeconds(300), true)),
                null,
                NOW,
                out);
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).startsWith("NODE").contains("QUEUE", "OLDEST", "LAST SEEN", "STATE");
        assertThat(lines.get(1))
                .startsWith("node-a.fleet.example")
                .contains(" 12 ", "1m35s", "2026-12-07T15:00:00Z")
                .endsWith("up");
        assertThat(lines.get(2))
                .startsWith("node-b.fleet.example")
                .contains("2026-12-07T14:55:00Z")
                .endsWith("gone");
        assertThat(lines.get(3)).isEqualTo("1 live node(s); the shared store answers.");
    }

    @Test
    void aStoreThatDoesNotAnswerIsSaid() {
        NodeListing.print(
                fleet(false, new FleetNode("node-a.fleet.example", "0.1.0", 0, Duration.ZERO, NOW, false)),
                null,
                NOW,
                out);
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("The shared store does not answer");
    }

    @Test
    void withoutAStoreThisNodeFromItsSpool() {
        try (MemorySpool spool = new MemorySpool()) {
            spool.put(message(
                    "AAA1", "a@fleet.example", NOW.minus(Duration.ofHours(2).plusMinutes(3)), 10, "x@b.example"));
            spool.put(message("AAA2", "a@fleet.example", NOW.minusSeconds(5), 10, "y@b.example"));
            NodeListing.print(null, spool, NOW, out);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).contains(" 2 ", "2h3m").endsWith("up");
        assertThat(lines.get(2)).isEqualTo(NodeListing.NO_STORE);
    }

    @Test
    void theCommandIsMtaNodes() {
        NodesCommand command = new NodesCommand();
        assertThat(command.execute()).isNull();
        assertThat(NodesCommand.class.getAnnotation(Command.class).scope()).isEqualTo("mta");
        assertThat(NodesCommand.class.getAnnotation(Command.class).name()).isEqualTo("nodes");
        assertThat(NodesCommand.class.isAnnotationPresent(Service.class)).isTrue();
    }
}
