package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.recipient.Alias;
import org.karavel.api.recipient.AliasAdmin;

/** /api/v1/aliases over HTTP from a trusted client. */
class AliasEndpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Aliases in a map; refuses an address without '@' as the auth bundle does. */
    static final class MapAliases implements AliasAdmin {
        final Map<String, List<String>> map = new TreeMap<>();

        @Override
        public List<Alias> aliases() {
            return map.entrySet().stream()
                    .map(e -> new Alias(e.getKey(), e.getValue()))
                    .toList();
        }

        @Override
        public void add(String address, List<String> targets) {
            if (!address.contains("@") || targets.isEmpty()) {
                throw new IllegalArgumentException("'" + address + "' is neither user@domain nor @domain");
            }
            List<String> t = map.computeIfAbsent(address, a -> new ArrayList<>());
            targets.stream().filter(x -> !t.contains(x)).forEach(t::add);
        }

        @Override
        public boolean remove(String address, List<String> targets) {
            if (!map.containsKey(address)) {
                return false;
            }
            if (targets.isEmpty()) {
                map.remove(address);
                return true;
            }
            return map.get(address).removeAll(targets);
        }
    }

    private RunningAdmin admin;
    private final MapAliases aliases = new MapAliases();

    @BeforeEach
    void start() throws Exception {
        admin = RunningAdmin.trustedHttp();
        admin.services.aliases = aliases;
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    @Test
    void addListAndRemove() throws Exception {
        HttpResponse<String> added = admin.post(
                "/api/v1/aliases",
                "{\"address\":\"sales@example.com\",\"targets\":[\"alice@example.com\",\"partner@remote.example\"]}");
        assertThat(added.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(added.body()).get("targets").toString())
                .isEqualTo("[\"alice@example.com\",\"partner@remote.example\"]");
        admin.post("/api/v1/aliases", "{\"address\":\"@example.com\",\"targets\":[\"postmaster@example.com\"]}");

        HttpResponse<String> list = admin.get("/api/v1/aliases");
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(list.body()).get("aliases")).hasSize(2);
        assertThat(JSON.readTree(list.body())
                        .get("aliases")
                        .get(1)
                        .get("address")
                        .asText())
                .isEqualTo("sales@example.com");

        assertThat(admin.delete("/api/v1/aliases/sales@example.com?target=partner@remote.example")
                        .statusCode())
                .isEqualTo(200);
        assertThat(aliases.map.get("sales@example.com")).containsExactly("alice@example.com");
        assertThat(admin.delete("/api/v1/aliases/%40example.com").statusCode()).isEqualTo(200);
        assertThat(aliases.map).containsOnlyKeys("sales@example.com");
        HttpResponse<String> gone = admin.delete("/api/v1/aliases/%40example.com");
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(gone.body()).contains("no such alias");
    }

    @Test
    void badInputAndAMissingStoreGetClearAnswers() throws Exception {
        HttpResponse<String> bad =
                admin.post("/api/v1/aliases", "{\"address\":\"nodomain\",\"targets\":[\"a@b.example\"]}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("neither user@domain nor @domain");
        assertThat(admin.post("/api/v1/aliases", "not json").statusCode()).isEqualTo(400);
        admin.services.aliases = null;
        assertThat(admin.get("/api/v1/aliases").statusCode()).isEqualTo(503);
    }
}
