package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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
            f.setLength(f.length() - 3);
        }
        CommitJournal again = CommitJournal.recover(store);
        assertThat(new String(Files.readAllBytes(store), 100, 5, StandardCharsets.US_ASCII)).isEqualTo("hello");
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
        bytes[bytes.length - 8] ^= 0x40;
        Files.write(file, bytes);

        CommitJournal.recover(store);
        assertThat(Files.readAllBytes(store)).isEqualTo(new byte[1024]);
    }
}
