package org.karavel.greylist.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MapDbTripletStoreTest {
    @TempDir
    Path dir;

    private final Triplet triplet = new Triplet("192.0.2.0/24", "a@s.example", "b@r.example");
    private final TripletRecord record =
            new TripletRecord(Instant.parse("2026-03-01T10:00:00Z"), Instant.parse("2026-03-01T10:05:00Z"), true);

    @Test
    void entriesSurviveCloseAndReopen() throws Exception {
        try (MapDbTripletStore store = MapDbTripletStore.open(dir)) {
            store.put(triplet, record);
            store.put(new Triplet("198.51.100.0/24", "<>", "c@r.example"), record);
            store.putClient("192.0.2.0/24", new ClientRecord(3, Instant.EPOCH, Instant.EPOCH, false));
            store.commit();
        }
        assertThat(dir.resolve("greylist.db")).exists();
        try (MapDbTripletStore store = MapDbTripletStore.open(dir)) {
            assertThat(store.get(triplet)).contains(record);
            assertThat(store.size()).isEqualTo(2);
            assertThat(store.client("192.0.2.0/24"))
                    .hasValueSatisfying(c -> assertThat(c.passes()).isEqualTo(3));
            Map<Triplet, TripletRecord> all = new HashMap<>();
            store.forEach(all::put);
            assertThat(all).containsEntry(triplet, record).hasSize(2);
            assertThat(store.removeIf((t, r) -> t.sender().equals("<>"))).isEqualTo(1);
            assertThat(store.remove(triplet)).isTrue();
            assertThat(store.removeClient("192.0.2.0/24")).isTrue();
            assertThat(store.size()).isZero();
        }
    }

    @Test
    void anUnreadableFileIsMovedAsideAndAFreshStoreStarted() throws Exception {
        Files.write(
                dir.resolve("greylist.db"),
                "this is not a MapDB file, just some garbage bytes....."
                        .repeat(20)
                        .getBytes());
        try (MapDbTripletStore store = MapDbTripletStore.open(dir)) {
            assertThat(store.size()).isZero();
            store.put(triplet, record);
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("greylist.db.broken-"));
        }
    }

    @Test
    void recordsKeepTheirLongArrayFormat() {
        assertThat(TripletRecord.fromLongs(record.toLongs())).isEqualTo(record);
        ClientRecord c = new ClientRecord(7, Instant.ofEpochMilli(5), Instant.ofEpochMilli(9), true);
        assertThat(ClientRecord.fromLongs(c.toLongs())).isEqualTo(c);
        assertThat(record.toLongs()).startsWith(1L, record.firstSeen().toEpochMilli());
    }
}
