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
import org.karavel.shell.internal.completers.DomainCompleter;
import org.karavel.testkit.MemorySpool;

/** The queue-control and domain commands: wiring, annotations Karaf reads, and missing services. */
class OpsCommandsTest {
    private final PrintStream originalOut = System.out;
    private final PrintStream originalErr = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
    private final MemorySpool spool = new MemorySpool();
    private final RecordingDeliveryControl delivery = new RecordingDeliveryControl();

    @BeforeEach
    void capture() {
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
        spool.put(message("AAA1", "a@example.com", Instant.now().minusSeconds(60), 10, "x@b.example"));
        spool.put(message("AAA2", "a@example.com", Instant.now().minusSeconds(60), 10, "y@c.example"));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    private String out() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static void assertCommand(Class<?> type, String name) {
        assertThat(type.getAnnotation(Command.class).scope()).isEqualTo("mta");
        assertThat(type.getAnnotation(Command.class).name()).isEqualTo(name);
        assertThat(type.getAnnotation(Command.class).description()).isNotBlank();
        assertThat(type.isAnnotationPresent(Service.class)).isTrue();
    }

    @Test
    void queueSummaryShowsDomainsAndSuspensions() throws Exception {
        QueueSummaryCommand c = new QueueSummaryCommand();
        c.spool = spool;
        c.delivery = delivery;
        delivery.suspend("c.example");
        c.execute();
        assertThat(out())
                .contains("TOTAL     2    2")
                .contains("b.example     1    1")
                .contains("c.example     1    1    0    0    0    0    0    0    0  (suspended)");
        assertCommand(QueueSummaryCommand.class, "queue-summary");
    }

    @Test
    void queueShowAndDelete() throws Exception {
        QueueShowCommand show = new QueueShowCommand();
        show.spool = spool;
        show.id = "AAA1";
        show.execute();
        assertThat(out()).contains("Queue ID:     AAA1").contains("<x@b.example>  pending");
        assertCommand(QueueShowCommand.class, "queue-show");

        QueueDeleteCommand delete = new QueueDeleteCommand();
        delete.spool = spool;
        delete.ids = List.of("AAA1");
        delete.execute();
        assertThat(spool.get(new org.karavel.api.queue.QueueId("AAA1"))).isEmpty();
        assertCommand(QueueDeleteCommand.class, "queue-delete");
    }

    @Test
    void bounceFlushByDomainAndDomainCommands() throws Exception {
        delivery.known.add("AAA2");
        QueueBounceCommand bounce = new QueueBounceCommand();
        bounce.delivery = delivery;
        bounce.id = "AAA2";
        bounce.reason = List.of("mailbox", "abandoned");
        bounce.execute();
        assertThat(delivery.bounced).containsExactly("AAA2 mailbox abandoned");
        assertCommand(QueueBounceCommand.class, "queue-bounce");

        QueueFlushCommand flush = new QueueFlushCommand();
        flush.delivery = delivery;
        flush.spool = spool;
        flush.domain = "B.example";
        flush.execute();
        assertThat(delivery.flushed).containsExactly("b.example");
        assertThat(spool.flushed()).isEmpty();

        DomainSuspendCommand suspend = new DomainSuspendCommand();
        suspend.delivery = delivery;
        suspend.domain = "d.example";
        suspend.execute();
        DomainListSuspendedCommand list = new DomainListSuspendedCommand();
        list.delivery = delivery;
        list.execute();
        DomainResumeCommand resume = new DomainResumeCommand();
        resume.delivery = delivery;
        resume.domain = "d.example";
        resume.execute();
        assertThat(delivery.suspended).isEmpty();
        assertThat(out())
                .contains("Delivery to d.example suspended")
                .contains("d.example\n".replace("\n", System.lineSeparator()))
                .contains("Delivery to d.example resumed");
        assertCommand(DomainSuspendCommand.class, "domain-suspend");
        assertCommand(DomainResumeCommand.class, "domain-resume");
        assertCommand(DomainListSuspendedCommand.class, "domain-list-suspended");
    }

    @Test
    void withoutTheDeliveryBundleTheCommandsSaySo() throws Exception {
        DomainSuspendCommand suspend = new DomainSuspendCommand();
        suspend.domain = "d.example";
        assertThat(suspend.execute()).isNull();
        assertThat(capturedErr.toString(StandardCharsets.UTF_8))
                .contains("The delivery bundle (org.karavel.delivery) is not running.");
    }

    @Test
    void theDomainCompleterOffersQueuedAndSuspendedDomains() {
        delivery.suspend("z.example");
        assertThat(new DomainCompleter(spool, delivery).domains())
                .containsExactly("b.example", "c.example", "z.example");
        assertThat(new DomainCompleter(null, null).domains()).isEmpty();
    }
}
