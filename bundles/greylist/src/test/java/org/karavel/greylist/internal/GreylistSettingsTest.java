package org.karavel.greylist.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.karavel.api.net.CidrBlock;

class GreylistSettingsTest {
    /** A GreylistConfig as DS would make it: the annotation defaults, overridden by {@code values}. */
    static GreylistConfig config(Map<String, Object> values) {
        return (GreylistConfig) Proxy.newProxyInstance(
                GreylistConfig.class.getClassLoader(), new Class<?>[] {GreylistConfig.class}, (proxy, method, args) -> {
                    Object v = values.get(method.getName());
                    return v != null ? v : method.getDefaultValue();
                });
    }

    @Test
    void defaultsArePostgreys() {
        GreylistSettings s = GreylistSettings.from(config(Map.of()));
        Path dir = s.storeDirectory();
        assertThat(s).isEqualTo(GreylistSettings.defaults(dir));
        assertThat(s.delay()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.retryWindow()).isEqualTo(Duration.ofDays(2));
        assertThat(s.maxAge()).isEqualTo(Duration.ofDays(35));
        assertThat(s.autoWhitelistClients()).isEqualTo(5);
        assertThat(s.listeners()).containsExactly("mx");
        assertThat(s.passClients()).containsExactly(CidrBlock.parse("127.0.0.0/8"), CidrBlock.parse("::1"));
    }

    @Test
    void storeDirectoryFollowsKarafData() {
        assertThat(GreylistSettings.storeDirectory("", "/opt/karavel/data"))
                .isEqualTo(Path.of("/opt/karavel/data/greylist"));
        assertThat(GreylistSettings.storeDirectory(null, null)).isEqualTo(Path.of("data", "greylist"));
        assertThat(GreylistSettings.storeDirectory("${karaf.data}/grey", "/d")).isEqualTo(Path.of("/d/grey"));
        assertThat(GreylistSettings.storeDirectory("/var/lib/grey", "/d")).isEqualTo(Path.of("/var/lib/grey"));
    }

    @Test
    void listsAreSplitAndBadValuesRepaired() {
        GreylistSettings s = GreylistSettings.from(config(Map.of(
                "pass__clients", new String[] {"10.0.0.0/8, bogus", "2001:db8::/32"},
                "pass__sender__domains", new String[] {"Example.ORG., other.example"},
                "listeners", new String[] {"mx mx2"},
                "ipv4__prefix", 40,
                "delay__seconds", -5L)));
        assertThat(s.passClients()).containsExactly(CidrBlock.parse("10.0.0.0/8"), CidrBlock.parse("2001:db8::/32"));
        assertThat(s.passSenderDomains()).containsExactlyInAnyOrder("example.org", "other.example");
        assertThat(s.listeners()).containsExactlyInAnyOrder("mx", "mx2");
        assertThat(s.ipv4Prefix()).isEqualTo(24);
        assertThat(s.delay()).isZero();
    }

    @Test
    void changesAreCommittedSoonAfterACheck() throws Exception {
        InMemoryTripletStore store = new InMemoryTripletStore();
        GreylistDatabase db = new GreylistDatabase(
                store,
                GreylistSettings.defaults(Path.of("unused")),
                Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC),
                new GreylistCounters());
        try {
            db.check(InetAddress.getByName("192.0.2.1"), new Triplet("192.0.2.0/24", "a@s.example", "b@r.example"))
                    .toCompletableFuture()
                    .get();
            await().atMost(Duration.ofSeconds(5)).until(() -> store.commits >= 1);
        } finally {
            db.close();
        }
    }
}
