package org.karavel.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.auth.MailboxUserAdmin;
import org.karavel.api.dkim.DkimKeys;
import org.karavel.api.domain.MailDomains;
import org.karavel.api.metrics.Metric;
import org.karavel.api.metrics.MetricSource;

/** The endpoints the console added, over HTTP from a trusted client: history, users, DKIM keys. */
class ConsoleEndpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private RunningAdmin admin;

    /** Users in a map, refusing what the auth bundle refuses. */
    static final class MapUsers implements MailboxUserAdmin {
        final Map<String, String> passwords = new TreeMap<>();

        @Override
        public List<String> list() {
            return new ArrayList<>(passwords.keySet());
        }

        @Override
        public void add(String user, char[] password) {
            if (!user.contains("@")) {
                throw new IllegalArgumentException("not a user name: " + user);
            }
            if (passwords.putIfAbsent(user, new String(password)) != null) {
                throw new IllegalArgumentException("user " + user + " exists already");
            }
        }

        @Override
        public void setPassword(String user, char[] password) {
            if (passwords.replace(user, new String(password)) == null) {
                throw new IllegalArgumentException("no such user: " + user);
            }
        }

        @Override
        public boolean remove(String user) {
            return passwords.remove(user) != null;
        }
    }

    @BeforeEach
    void start() throws Exception {
        admin = RunningAdmin.trustedHttp();
    }

    @AfterEach
    void stop() {
        admin.close();
    }

    @Test
    void historyCountsWhatTheSourcesCountersRoseByThisMinute() throws Exception {
        AtomicLong received = new AtomicLong(40);
        AtomicLong refusedOnSubmission = new AtomicLong(1);
        MetricSource smtp = () -> List.of(
                Metric.of("karavel_smtp_messages_received_total", "", Metric.Type.COUNTER, received.get()),
                new Metric(
                        "karavel_smtp_rejected_total",
                        "",
                        Metric.Type.COUNTER,
                        List.of(
                                new Metric.Sample(Map.of("listener", "smtp", "reason", "dnsbl"), 2),
                                new Metric.Sample(
                                        Map.of("listener", "submission", "reason", "auth"),
                                        refusedOnSubmission.get()))));
        MetricSource spool = () -> List.of(
                Metric.of("karavel_spool_messages", "", Metric.Type.GAUGE, 3),
                Metric.of("karavel_spool_oldest_message_age_seconds", "", Metric.Type.GAUGE, 125));
        admin.services.addMetricSource(smtp, "smtp");
        admin.services.addMetricSource(spool, "spool");
        new HistorySampler(admin.services, admin.metrics, java.time.Clock.systemUTC()).sample();
        received.addAndGet(5);
        refusedOnSubmission.addAndGet(2);

        JsonNode h = JSON.readTree(admin.get("/api/v1/history?minutes=10").body());
        assertThat(h.path("minuteSeconds").asInt()).isEqualTo(60);
        assertThat(h.path("t").size()).isEqualTo(10);
        // the minute the sample was taken in may have ended meanwhile: the sum covers both
        assertThat(h.path("totals").path("received").asLong()).isEqualTo(5);
        assertThat(h.path("totals").path("refused").asLong()).isEqualTo(2);
        assertThat(h.path("totals").path("delivered").asLong()).isZero();
        assertThat(h.path("queue").get(9).asLong()).isEqualTo(3);
        assertThat(h.path("oldestAgeSeconds").get(9).asLong()).isEqualTo(125);
        assertThat(h.path("received").size()).isEqualTo(10);

        assertThat(JSON.readTree(admin.get("/api/v1/history").body()).path("t").size())
                .isEqualTo(1440);
        HttpResponse<String> bad = admin.get("/api/v1/history?minutes=1441");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("minutes must be 1-1440");
    }

    @Test
    void usersAreListedAddedGivenANewPasswordAndRemovedAndNoPasswordIsAnsweredOrLogged() throws Exception {
        MapUsers users = new MapUsers();
        admin.services.userAdmin = users;
        HttpResponse<String> added =
                admin.post("/api/v1/users", "{\"user\":\"ann@example.test\",\"password\":\"s3cret-one\"}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
        assertThat(users.passwords).containsEntry("ann@example.test", "s3cret-one");
        assertThat(admin.get("/api/v1/users").body()).isEqualTo("{\"users\":[\"ann@example.test\"]}");

        HttpResponse<String> again =
                admin.post("/api/v1/users", "{\"user\":\"ann@example.test\",\"password\":\"other\"}");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).contains("exists already");
        assertThat(admin.post("/api/v1/users", "{\"user\":\"bob@example.test\"}")
                        .statusCode())
                .isEqualTo(400);

        HttpResponse<String> changed =
                admin.post("/api/v1/users/ann@example.test/password", "{\"password\":\"s3cret-two\"}");
        assertThat(changed.statusCode()).isEqualTo(200);
        assertThat(users.passwords).containsEntry("ann@example.test", "s3cret-two");
        assertThat(admin.post("/api/v1/users/nobody@example.test/password", "{\"password\":\"x\"}")
                        .statusCode())
                .isEqualTo(404);

        assertThat(admin.delete("/api/v1/users/ann@example.test").statusCode()).isEqualTo(200);
        assertThat(admin.delete("/api/v1/users/ann@example.test").statusCode()).isEqualTo(404);
        assertThat(users.passwords).isEmpty();
        assertThat(String.join("\n", admin.mailLog)).doesNotContain("s3cret");
        assertThat(added.body() + changed.body()).doesNotContain("s3cret");

        admin.services.userAdmin = null;
        assertThat(admin.get("/api/v1/users").statusCode()).isEqualTo(503);
    }

    @Test
    void dkimListsEachLocalDomainsKeysWithTheRecordToPublish() throws Exception {
        String longValue = "v=DKIM1; k=rsa; p=" + "A".repeat(300);
        admin.services.mailDomains = new MailDomains() {
            @Override
            public boolean isLocal(String domain) {
                return domain.equals("b.test") || domain.equals("a.test");
            }

            @Override
            public boolean isRelayDomain(String domain) {
                return false;
            }

            @Override
            public Set<String> localDomains() {
                return Set.of("b.test", "a.test");
            }
        };
        admin.services.dkimKeys = new DkimKeys() {
            @Override
            public KeyRecord generate(String domain, String selector, String algorithm, int bits) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<KeyRecord> records(String domain) {
                return domain.equals("a.test")
                        ? List.of(new KeyRecord(
                                "a.test", "s1", "rsa", 2048, "/k", "s1._domainkey.a.test", longValue, true))
                        : List.of();
            }
        };
        JsonNode d = JSON.readTree(admin.get("/api/v1/dkim").body());
        assertThat(d.path("domains").toString()).isEqualTo("[\"a.test\",\"b.test\"]");
        JsonNode key = d.path("keys").get(0);
        assertThat(key.path("name").asText()).isEqualTo("s1._domainkey.a.test");
        assertThat(key.path("value").asText()).isEqualTo(longValue);
        assertThat(key.path("active").asBoolean()).isTrue();
        assertThat(key.path("record").asText())
                .isEqualTo("s1._domainkey.a.test. IN TXT ( \"" + longValue.substring(0, 255) + "\" \""
                        + longValue.substring(255) + "\" )");
        assertThat(JSON.readTree(admin.get("/api/v1/dkim?domain=b.test").body())
                        .path("keys")
                        .size())
                .isZero();
    }
}
