package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.spool.internal.TestMessages.content;
import static org.karavel.spool.internal.TestMessages.envelope;
import static org.karavel.spool.internal.TestMessages.read;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;

/** Kills a writing JVM with SIGKILL and checks that every message it reported as queued is intact. */
class CrashRecoveryTest {
    @TempDir
    Path dir;

    /** Queue ids printed by the child (each after its commit stage completed), with their sequence numbers. */
    private final Map<QueueId, Long> promised = new LinkedHashMap<>();
    /** Ids whose delivery update completed. */
    private final Set<QueueId> updated = new HashSet<>();
    /** Ids whose removal completed. */
    private final Set<QueueId> removed = new HashSet<>();

    @Test
    void everyMessageReportedQueuedSurvivesAKilledProcess() throws Exception {
        Path spoolDir = dir.resolve("spool");
        runAndKill(spoolDir, 0, 40); // early: while the first batches commit
        verify(spoolDir);
        runAndKill(spoolDir, 100_000, 400); // later, with more in flight and a spool to recover first
        verify(spoolDir);
        runAndKill(spoolDir, 200_000, 1); // almost at once after opening
        verify(spoolDir);
        // more kills at random moments when asked for: mvn ... -Dspool.crash.rounds=50
        int extra = Integer.getInteger("spool.crash.rounds", 0);
        SplittableRandom random = new SplittableRandom();
        for (int i = 0; i < extra; i++) {
            runAndKill(spoolDir, 300_000L + i * 100_000L, 1 + random.nextInt(300));
            verify(spoolDir);
        }
        assertThat(promised.size()).isGreaterThanOrEqualTo(441);
    }

    /** Starts the writer, reads ids until {@code killAfter} arrived, kills it, keeps every complete line. */
    private void runAndKill(Path spoolDir, long firstSeq, int killAfter) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        SpoolCrashWriter.class.getName(),
                        spoolDir.toString(),
                        Long.toString(firstSeq))
                .redirectError(dir.resolve("child-" + firstSeq + ".err").toFile())
                .start();
        int seen = 0;
        boolean ready = false;
        InputStream out = child.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            for (int b; (b = out.read()) >= 0; ) {
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                String text = line.toString(StandardCharsets.US_ASCII).trim();
                line.reset();
                if (text.equals("READY")) {
                    ready = true;
                } else if (record(text)) {
                    seen++;
                }
                if (seen >= killAfter) {
                    break;
                }
            }
        } finally {
            // SIGKILL: no shutdown hooks, no close. Through the handle, so that our end of the pipe
            // stays open and what the child wrote before dying can still be read
            child.toHandle().destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        // lines the child printed before it died are promises too; a cut-off last line is not
        String rest = new String(out.readAllBytes(), StandardCharsets.US_ASCII);
        String all = line.toString(StandardCharsets.US_ASCII) + rest;
        int lastNewline = all.lastIndexOf('\n');
        if (lastNewline >= 0) {
            for (String text : all.substring(0, lastNewline).split("\n")) {
                record(text.trim());
            }
        }
        assertThat(ready)
                .as("child started; see " + dir.resolve("child-" + firstSeq + ".err"))
                .isTrue();
        assertThat(seen).isGreaterThanOrEqualTo(killAfter);
    }

    /** Takes one complete line of the child's; true for a newly queued message. */
    private boolean record(String text) {
        String[] parts = text.split(" ");
        if (parts.length != 3) {
            return false;
        }
        QueueId id = new QueueId(parts[1]);
        switch (parts[0]) {
            case "Q" -> promised.put(id, Long.parseLong(parts[2]));
            case "U" -> updated.add(id);
            case "R" -> removed.add(id);
            default -> throw new AssertionError("unexpected line from the child: " + text);
        }
        return parts[0].equals("Q");
    }

    private void verify(Path spoolDir) throws Exception {
        try (DurableSpool spool = DurableSpool.open(
                SpoolSettings.defaults(spoolDir).withMinFreeDisk(0).withEmergencyReserve(1 << 20),
                Clock.systemUTC(),
                SpoolDisk.REAL,
                0)) {
            // a killed process wrote no clean-shutdown marker: the orphan sweep runs
            assertThat(spool.openedClean()).isFalse();
            assertThat(spool.orphanSweep().get(120, TimeUnit.SECONDS).ran()).isTrue();
            assertThat(spool.quarantinedAtStart()).isEmpty();
            assertThat(spool.quarantineSize()).isZero();
            int checked = 0;
            for (Map.Entry<QueueId, Long> p : promised.entrySet()) {
                long seq = p.getValue();
                QueuedMessage m = spool.get(p.getKey()).orElse(null);
                if (removed.contains(p.getKey())) {
                    assertThat(m).as("message %s was removed", p.getKey()).isNull();
                    continue;
                }
                if (seq % 5 == 1 && m == null) {
                    continue; // its removal was under way: gone or not, both are right
                }
                assertThat(m)
                        .as("message %s (seq %d) promised as queued", p.getKey(), seq)
                        .isNotNull();
                assertThat(m.envelope()).isEqualTo(envelope(seq));
                assertThat(read(spool, p.getKey())).isEqualTo(content(seq, SpoolCrashWriter.sizeOf(seq)));
                if (updated.contains(p.getKey())) {
                    assertThat(m.attempts()).isEqualTo(1);
                    assertThat(m.recipients().get(0).state()).isEqualTo(RecipientStatus.State.DELIVERED);
                } else {
                    assertThat(m.attempts()).isIn(0, 1);
                }
                checked++;
            }
            // no broken record: everything loaded is readable, and no body file lacks a message
            Set<String> withFiles = new HashSet<>();
            for (QueuedMessage m : spool.list()) {
                assertThat(read(spool, m.id())).hasSize((int) m.size());
                if (!spool.isInline(m.id())) {
                    withFiles.add(m.id().value());
                }
            }
            try (Stream<Path> files = Files.list(spoolDir.resolve("bodies"))) {
                assertThat(files.map(f -> f.getFileName().toString()).collect(Collectors.toSet()))
                        .isEqualTo(withFiles);
            }
            System.out.printf(
                    "crash recovery: %d queued (%d updated, %d removed), %d checked, %d in the spool,"
                            + " %d with body files%n",
                    promised.size(), updated.size(), removed.size(), checked, spool.size(), withFiles.size());
            assertThat(removed).isNotEmpty();
            assertThat(updated).isNotEmpty();
        }
    }
}
