package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommitJournalTest {
    @TempDir
    Path dir;

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theNewestCompleteJournalIsAppliedOnOpenAndATornOneIsIgnored() throws IOException {
        Path store = dir.resolve("spool.db");
        byte[] original = new byte[4096];
        Arrays.fill(original, (byte) 'a');
        Files.write(store, original);

        CommitJournal journal = CommitJournal.recover(store);
        byte[] tail = new byte[200];
        Arrays.fill(tail, (byte) 'b');
        // journaled but never applied: as if the process died right after the journal's fsync
        journal.append(List.of(new CommitJournal.Write(100, text("hello")), new CommitJournal.Write(4000, tail)), 8192);
        journal.close(false);

        journal = CommitJournal.recover(store);
        byte[] after = Files.readAllBytes(store);
        assertThat(after).hasSize(8192);
        assertThat(new String(after, 100, 5, StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(Arrays.copyOfRange(after, 4000, 4200)).isEqualTo(tail);
        assertThat(after[99]).isEqualTo((byte) 'a');
        assertThat(after[8191]).isZero();

        // the next commit is torn while being journaled: it must not be applied, the previous one is
        journal.append(List.of(new CommitJournal.Write(100, text("world"))), 8192);
        journal.close(false);
        Path torn = CommitJournal.journalFile(store, 0);
        try (RandomAccessFile f = new RandomAccessFile(torn.toFile(), "rw")) {
            f.setLength(28 + 12 + 5 + 4 - 3); // header, one entry, 3 of the 4 checksum bytes
        }
        CommitJournal again = CommitJournal.recover(store);
        assertThat(new String(Files.readAllBytes(store), 100, 5, StandardCharsets.US_ASCII))
                .isEqualTo("hello");
        assertThat(CommitJournal.anyValid(store)).isTrue();

        again.close(true); // a clean close: nothing left to replay over changes made by others
        assertThat(CommitJournal.journalFile(store, 0)).doesNotExist();
        assertThat(CommitJournal.journalFile(store, 1)).doesNotExist();
        assertThat(CommitJournal.anyValid(store)).isFalse();
    }

    @Test
    void aJournalWithAFlippedByteIsNotApplied() throws IOException {
        Path store = dir.resolve("spool.db");
        Files.write(store, new byte[1024]);
        CommitJournal journal = CommitJournal.recover(store);
        journal.append(List.of(new CommitJournal.Write(10, text("payload"))), 1024);
        journal.close(false);
        Path file = CommitJournal.journalFile(store, 1);
        byte[] bytes = Files.readAllBytes(file);
        bytes[28 + 12 + 7 + 4 - 8] ^=
                0x40; // inside the record (header, one entry, checksum), not in the zeros after it
        Files.write(file, bytes);

        CommitJournal.recover(store);
        assertThat(Files.readAllBytes(store)).isEqualTo(new byte[1024]);
    }

    private static String at100(Path store, int length) throws IOException {
        return new String(Files.readAllBytes(store), 100, length, StandardCharsets.US_ASCII);
    }

    /** Bytes the file system really holds for a file (a sparse file holds fewer than its length). */
    private static long allocated(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String[] parts = out.split(" ");
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }

    @Test
    void journalFilesHoldTheirMinimumInRealBlocksAndBytesAfterARecordAreIgnored() throws Exception {
        Path store = dir.resolve("spool.db");
        Files.write(store, new byte[4096]);
        CommitJournal journal = CommitJournal.recover(store);
        for (int i = 0; i < 2; i++) {
            Path f = CommitJournal.journalFile(store, i);
            assertThat(Files.size(f)).isEqualTo(CommitJournal.JOURNAL_MIN_BYTES);
            assertThat(allocated(f)).isGreaterThanOrEqualTo(CommitJournal.JOURNAL_MIN_BYTES);
        }
        byte[] longRecord = new byte[5000];
        Arrays.fill(longRecord, (byte) 'x');
        journal.append(
                List.of(new CommitJournal.Write(100, text("one")), new CommitJournal.Write(1000, longRecord)),
                4096); // file 1
        journal.append(List.of(new CommitJournal.Write(100, text("two"))), 4096); // file 0
        // file 1 again: a short record over the long one; the long one's tail stays after it
        journal.append(List.of(new CommitJournal.Write(100, text("333"))), 4096);
        journal.close(false);
        assertThat(Files.size(CommitJournal.journalFile(store, 1))).isEqualTo(CommitJournal.JOURNAL_MIN_BYTES);

        CommitJournal again = CommitJournal.recover(store);
        assertThat(at100(store, 3)).isEqualTo("333");
        assertThat(Files.readAllBytes(store)[1000]).isZero(); // commit 1's second write is not replayed from the tail
        again.close(true);
    }

    @Test
    void aRecordLargerThanTheMinimumGrowsItsFileAndTheNextGivesTheGrowthBack() throws IOException {
        Path store = dir.resolve("spool.db");
        Files.write(store, new byte[4096]);
        CommitJournal journal = CommitJournal.recover(store);
        byte[] big = new byte[CommitJournal.JOURNAL_MIN_BYTES + 4096];
        Arrays.fill(big, (byte) 'b');
        journal.append(List.of(new CommitJournal.Write(0, big)), big.length); // file 1
        Path one = CommitJournal.journalFile(store, 1);
        assertThat(Files.size(one)).isGreaterThan(CommitJournal.JOURNAL_MIN_BYTES);
        journal.append(List.of(new CommitJournal.Write(100, text("two"))), big.length); // file 0
        journal.append(List.of(new CommitJournal.Write(100, text("333"))), big.length); // file 1, short
        assertThat(Files.size(one)).isEqualTo(CommitJournal.JOURNAL_MIN_BYTES);
        journal.close(false);

        CommitJournal.recover(store).close(false);
        assertThat(at100(store, 3)).isEqualTo("333");
        assertThat(Files.size(store)).isEqualTo(big.length); // the store length recorded with commit 3
    }

    @Test
    void aJournalOfTheEarlierExactSizeFormatIsStillApplied() throws IOException {
        Path store = dir.resolve("spool.db");
        Files.write(store, new byte[4096]);
        CommitJournal journal = CommitJournal.recover(store);
        journal.append(
                List.of(new CommitJournal.Write(100, text("exact")), new CommitJournal.Write(300, text("size"))), 4096);
        journal.close(false);
        // the earlier code truncated the file to the record: header 28, (12 + data) per write, CRC32C 4
        long recordLength = 28 + (12 + 5) + (12 + 4) + 4;
        Path file = CommitJournal.journalFile(store, 1);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(recordLength);
        }
        Files.delete(CommitJournal.journalFile(store, 0));

        CommitJournal.recover(store).close(false);
        assertThat(at100(store, 5)).isEqualTo("exact");
        assertThat(new String(Files.readAllBytes(store), 300, 4, StandardCharsets.US_ASCII))
                .isEqualTo("size");
        // one byte short of its checksum it is torn, and not applied
        Files.write(store, new byte[4096]);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(recordLength - 1);
        }
        CommitJournal.recover(store).close(false);
        assertThat(Files.readAllBytes(store)).isEqualTo(new byte[4096]);
    }

    @Test
    void aRecordTornOverAnOlderOneInTheSameFileIsNeverApplied() throws IOException {
        Path store = dir.resolve("spool.db");
        byte[] blank = new byte[4096];
        for (int tornAt : new int[] {0, 20, 40, 60, 66}) {
            Files.write(store, blank);
            for (int i = 0; i < 2; i++) {
                Files.deleteIfExists(CommitJournal.journalFile(store, i));
            }
            CommitJournal journal = CommitJournal.recover(store);
            journal.append(
                    List.of(new CommitJournal.Write(100, text("one-one-one")), new CommitJournal.Write(200, text("1"))),
                    4096);
            journal.append(List.of(new CommitJournal.Write(100, text("two-two-two"))), 4096);
            Path file = CommitJournal.journalFile(store, 1);
            byte[] before = Files.readAllBytes(file);
            journal.append(
                    List.of(new CommitJournal.Write(100, text("333-333-333")), new CommitJournal.Write(200, text("3"))),
                    4096);
            journal.close(false);
            // the crash: only part of commit 3 reached the disk; the rest is still commit 1's bytes
            byte[] after = Files.readAllBytes(file);
            byte[] torn = tornAt == 0 ? before.clone() : after.clone();
            if (tornAt == 0) {
                System.arraycopy(after, 28, torn, 28, 40); // the entries are new, the header still the old one
            } else {
                System.arraycopy(before, tornAt, torn, tornAt, 80 - tornAt);
            }
            assertThat(torn).isNotEqualTo(after).isNotEqualTo(before);
            Files.write(file, torn);

            CommitJournal.recover(store).close(false);
            byte[] applied = Files.readAllBytes(store);
            assertThat(new String(applied, 100, 11, StandardCharsets.US_ASCII))
                    .as("torn at %d", tornAt)
                    .isEqualTo("two-two-two");
            assertThat(applied[200]).as("torn at %d", tornAt).isZero();
        }
    }
}
