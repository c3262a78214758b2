package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.spool.internal.TestMessages.content;
import static org.karavel.spool.internal.TestMessages.envelope;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.QueuedMessage;

/**
 * "250 only after fsync": a kill -9 keeps the page cache, so only the order of writes and forces
 * proves it. Every file the spool must fsync is opened through a {@link Ledger} that records each
 * write and force; when a commit's stage completes (the moment SMTP may answer 250), nothing written
 * to a body file, to the bodies directory or to the commit journal may still be unforced.
 */
class FsyncOrderTest {
    @TempDir
    Path dir;

    private final Ledger ledger = new Ledger();
    private DurableSpool spool;

    @BeforeEach
    void open() throws IOException {
        spool = DurableSpool.open(
                SpoolSettings.defaults(dir).withMinFreeDisk(0).withEmergencyReserve(1 << 20),
                Clock.systemUTC(),
                ledger);
        // the journal files are created and fsynced at open; what counts starts now
        ledger.reset();
    }

    @AfterEach
    void close() {
        spool.close();
    }

    @Test
    void aMessageInItsOwnBodyFileIsQueuedOnlyAfterTheFileItsNameAndTheJournalAreForced() throws Exception {
        byte[] body = content(1, 300_000); // beyond draft memory and the inline threshold: a body file
        MessageDraft draft = spool.create();
        draft.write(body, 0, body.length);
        assertThat(draft).isInstanceOf(SpoolDraft.class);
        assertThat(((SpoolDraft) draft).spilled()).isTrue();

        Set<String> unforcedAtCompletion = commitAndLook(draft);

        assertThat(unforcedAtCompletion)
                .as("unforced when queued; events: %s", ledger.events())
                .isEmpty();
        Path bodyFile = spool.bodyFileOf(draft.id());
        assertThat(ledger.events())
                .as("the body file was written, then forced, its name made durable, then the journal forced")
                .containsSubsequence(
                        "write " + bodyFile, "force " + bodyFile, "force " + bodyFile.getParent(), "force journal");
    }

    @Test
    void anInlineMessageIsQueuedOnlyAfterTheJournalIsForced() throws Exception {
        MessageDraft draft = spool.create();
        draft.write(content(2, 1_000), 0, 1_000);

        Set<String> unforcedAtCompletion = commitAndLook(draft);

        assertThat(unforcedAtCompletion)
                .as("unforced when queued; events: %s", ledger.events())
                .isEmpty();
        assertThat(ledger.events()).containsSubsequence("write journal", "force journal");
    }

    @Test
    void aRemovalCompletesOnlyAfterTheJournalIsForced() throws Exception {
        MessageDraft draft = spool.create();
        draft.write(content(3, 1_000), 0, 1_000);
        QueuedMessage queued = draft.commit(envelope(3)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        ledger.reset();

        Set<String> unforcedAtCompletion = spool.remove(queued.id())
                .toCompletableFuture()
                .thenApply(removed -> ledger.unforced())
                .get(10, TimeUnit.SECONDS);

        assertThat(unforcedAtCompletion)
                .as("unforced when removed; events: %s", ledger.events())
                .isEmpty();
        assertThat(ledger.events()).containsSubsequence("write journal", "force journal");
    }

    /** Commits and returns what was written but not forced at the moment the stage completed. */
    private Set<String> commitAndLook(MessageDraft draft) throws Exception {
        CompletableFuture<Set<String>> look =
                draft.commit(envelope(1)).toCompletableFuture().thenApply(message -> ledger.unforced());
        return look.get(10, TimeUnit.SECONDS);
    }

    /**
     * Opens real files and records, in order, every write and force made through them ("write
     * &lt;path&gt;", "force &lt;path&gt;"; the two journal files are both called "journal"). A file
     * opened with CREATE also dirties its directory, whose force makes the name durable.
     */
    static final class Ledger implements SpoolDisk {
        private final List<String> events = Collections.synchronizedList(new ArrayList<>());
        private final Set<String> unforced = Collections.synchronizedSet(new LinkedHashSet<>());

        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
            FileChannel real = FileChannel.open(file, options);
            String name = nameOf(file);
            if (Arrays.asList(options).contains(StandardOpenOption.CREATE)) {
                written(nameOf(file.getParent()));
            }
            return new Recording(real, name);
        }

        private static String nameOf(Path file) {
            String f = file.getFileName().toString();
            return f.startsWith(SpoolStore.DB_FILE + ".journal.") ? "journal" : file.toString();
        }

        void reset() {
            events.clear();
            unforced.clear();
        }

        List<String> events() {
            synchronized (events) {
                return List.copyOf(events);
            }
        }

        Set<String> unforced() {
            synchronized (unforced) {
                return Set.copyOf(unforced);
            }
        }

        private void written(String name) {
            events.add("write " + name);
            unforced.add(name);
        }

        private void forced(String name) {
            events.add("force " + name);
            unforced.remove(name);
        }

        /** A FileChannel that tells the ledger about each write and force, and otherwise is the real one. */
        private final class Recording extends FileChannel {
            private final FileChannel real;
            private final String name;

            Recording(FileChannel real, String name) {
                this.real = real;
                this.name = name;
            }

            @Override
            public int write(ByteBuffer src) throws IOException {
                written(name);
                return real.write(src);
            }

            @Override
            public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
                written(name);
                return real.write(srcs, offset, length);
            }

            @Override
            public int write(ByteBuffer src, long position) throws IOException {
                written(name);
                return real.write(src, position);
            }

            @Override
            public FileChannel truncate(long size) throws IOException {
                written(name);
                real.truncate(size);
                return this;
            }

            @Override
            public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
                written(name);
                return real.transferFrom(src, position, count);
            }

            @Override
            public void force(boolean metaData) throws IOException {
                real.force(metaData);
                forced(name);
            }

            @Override
            public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
                throw new UnsupportedOperationException("the spool does not map the files it fsyncs");
            }

            @Override
            public int read(ByteBuffer dst) throws IOException {
                return real.read(dst);
            }

            @Override
            public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
                return real.read(dsts, offset, length);
            }

            @Override
            public int read(ByteBuffer dst, long position) throws IOException {
                return real.read(dst, position);
            }

            @Override
            public long position() throws IOException {
                return real.position();
            }

            @Override
            public FileChannel position(long newPosition) throws IOException {
                real.position(newPosition);
                return this;
            }

            @Override
            public long size() throws IOException {
                return real.size();
            }

            @Override
            public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
                return real.transferTo(position, count, target);
            }

            @Override
            public FileLock lock(long position, long size, boolean shared) throws IOException {
                return real.lock(position, size, shared);
            }

            @Override
            public FileLock tryLock(long position, long size, boolean shared) throws IOException {
                return real.tryLock(position, size, shared);
            }

            @Override
            protected void implCloseChannel() throws IOException {
                real.close();
            }
        }
    }
}
