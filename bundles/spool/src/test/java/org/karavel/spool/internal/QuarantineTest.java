package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.karavel.spool.internal.TestMessages.content;
import static org.karavel.spool.internal.TestMessages.enqueue;
import static org.karavel.spool.internal.TestMessages.envelope;
import static org.karavel.spool.internal.TestMessages.read;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.queue.QueuedMessage;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

class QuarantineTest {
    @TempDir
    Path dir;

    @Test
    void brokenRecordsAndMissingBodiesAreQuarantinedAndTheRestLoads() throws Exception {
        SpoolSettings settings = SpoolSettings.defaults(dir).withMinFreeDisk(0).withEmergencyReserve(1 << 20);
        QueuedMessage garbled;
        QueuedMessage bodiless;
        QueuedMessage healthySmall;
        QueuedMessage healthyLarge;
        QueuedMessage garbledLarge;
        try (DurableSpool spool = DurableSpool.open(settings)) {
            garbled = enqueue(spool, envelope(1), content(1, 3_000));
            bodiless = enqueue(spool, envelope(2), content(2, 150_000));
            healthySmall = enqueue(spool, envelope(4), content(4, 2_000));
            healthyLarge = enqueue(spool, envelope(5), content(5, 90_000));
            garbledLarge = enqueue(spool, envelope(8), content(8, 70_000));
        }

        byte[] garbage = new byte[300];
        new SplittableRandom(7).nextBytes(garbage);
        DB db = DBMaker.fileDB(dir.resolve(SpoolStore.DB_FILE).toFile())
                .transactionEnable()
                .make();
        try {
            Map<String, byte[]> messages = db.hashMap(SpoolStore.MESSAGES, Serializer.STRING, Serializer.BYTE_ARRAY)
                    .open();
            messages.put(garbled.id().value(), garbage);
            messages.put("../../escape", garbage);
            byte[] record = messages.get(garbledLarge.id().value());
            messages.put(garbledLarge.id().value(), Arrays.copyOf(record, record.length / 2));
            messages.put("TRUNCATED1", new byte[] {1, 0, 0});
            db.commit();
        } finally {
            db.close();
        }
        Files.delete(dir.resolve("bodies").resolve(bodiless.id().value()));
        // what a crash leaves: no clean-shutdown marker, so the orphan sweep runs
        Files.delete(dir.resolve(CleanShutdownMarker.FILE));
        Files.write(dir.resolve("bodies").resolve("ORPHAN00000001"), content(9, 1000)); // a crash before its commit

        PrintStream err = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        DurableSpool spool;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            DurableSpool opened = DurableSpool.open(settings, Clock.systemUTC(), SpoolDisk.REAL, 0);
            spool = opened;
            opened.orphanSweep().get(60, TimeUnit.SECONDS);
            // a missing body is found when the message is read (not at opening): then it is quarantined
            assertThat(opened.size()).isEqualTo(3);
            assertThatThrownBy(() -> read(opened, bodiless.id()))
                    .isInstanceOf(CorruptRecordException.class)
                    .hasMessageContaining("missing");
            await().atMost(Duration.ofSeconds(60)).until(() -> opened.quarantineSize() == 5);
        } finally {
            System.setErr(err);
        }
        try (spool) {
            assertThat(spool.quarantinedAtStart())
                    .extracting(DurableSpool.QuarantinedRecord::key)
                    .containsExactlyInAnyOrder(
                            garbled.id().value(),
                            "../../escape",
                            "TRUNCATED1",
                            garbledLarge.id().value());
            assertThat(spool.quarantineSize()).isEqualTo(5);

            assertThat(spool.size()).isEqualTo(2);
            assertThat(spool.get(garbled.id())).isEmpty();
            assertThat(spool.get(bodiless.id())).isEmpty();
            assertThat(read(spool, healthySmall.id())).isEqualTo(content(4, 2_000));
            assertThat(read(spool, healthyLarge.id())).isEqualTo(content(5, 90_000));
            assertThat(dir.resolve("bodies").resolve("ORPHAN00000001")).doesNotExist();
            Path movedBody = dir.resolve("quarantine").resolve(garbledLarge.id().value());
            assertThat(Files.readAllBytes(movedBody)).isEqualTo(content(8, 70_000));
            assertThat(dir.resolve("bodies").resolve(garbledLarge.id().value())).doesNotExist();
            assertThat(dir.resolve("escape")).doesNotExist();
            assertThat(dir.getParent().resolve("escape")).doesNotExist();

            String logged = log.toString(StandardCharsets.UTF_8);
            assertThat(logged)
                    .contains("ERROR")
                    .contains("spool record " + garbled.id() + " quarantined")
                    .contains("spool record " + bodiless.id() + " quarantined: body file");
            assertThat(logged).contains("orphan body file");
        }

        try (DurableSpool again = DurableSpool.open(settings)) {
            assertThat(again.quarantinedAtStart()).isEmpty(); // the quarantine is kept, not reported again
            assertThat(again.quarantineSize()).isEqualTo(5);
            assertThat(again.size()).isEqualTo(2);
            QueuedMessage later = enqueue(again, envelope(6), content(6, 100));
            assertThat(again.get(later.id())).isPresent();
        }
    }
}
