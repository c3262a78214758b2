package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.shell.internal.QueueFixtures.message;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.testkit.MemorySpool;

/** The actions only wire the spool to the plain classes; this checks the wiring and the annotations Karaf reads. */
class CommandsTest {
    private final PrintStream originalOut = System.out;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final MemorySpool spool = new MemorySpool();

    @BeforeEach
    void capture() {
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        spool.put(message("AAA1", "a@example.com", Instant.parse("2025-11-22T05:00:00Z"), 10, "x@b.example"));
        spool.put(message("AAA2", "a@example.com", Instant.parse("2025-11-22T05:00:01Z"), 10, "y@c.example"));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
    }

    @Test
    void queueList() throws Exception {
        QueueListCommand list = new QueueListCommand();
        list.spool = spool;
        list.domain = "c.example";

        assertThat(list.execute()).isNull();
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .contains("AAA2")
                .doesNotContain("AAA1")
                .contains("1 Request.");
        assertThat(QueueListCommand.class.getAnnotation(Command.class).scope()).isEqualTo("mta");
        assertThat(QueueListCommand.class.getAnnotation(Command.class).name()).isEqualTo("queue-list");
        assertThat(QueueListCommand.class.isAnnotationPresent(Service.class)).isTrue();
    }

    @Test
    void queueListShowsOnePageAndTheCommandForTheNext() throws Exception {
        QueueListCommand list = new QueueListCommand();
        list.spool = spool;
        list.limit = 1;

        assertThat(list.execute()).isNull();
        String first = captured.toString(StandardCharsets.UTF_8);
        assertThat(first)
                .contains("AAA1")
                .doesNotContain("AAA2")
                .contains("1 Request.")
                .contains("-- 2 in all; next page: mta:queue-list --limit 1 --after AAA1");

        captured.reset();
        list.after = "AAA1";
        assertThat(list.execute()).isNull();
        String second = captured.toString(StandardCharsets.UTF_8);
        assertThat(second).contains("AAA2").doesNotContain("AAA1").doesNotContain("next page");
    }

    @Test
    void queueFlush() throws Exception {
        QueueFlushCommand flush = new QueueFlushCommand();
        flush.spool = spool;
        flush.ids = List.of("AAA1");

        assertThat(flush.execute()).isNull();
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("Flushed 1 message.");
        assertThat(spool.flushed()).hasSize(1);
        assertThat(QueueFlushCommand.class.getAnnotation(Command.class).name()).isEqualTo("queue-flush");
        assertThat(QueueFlushCommand.class.isAnnotationPresent(Service.class)).isTrue();
    }
}
