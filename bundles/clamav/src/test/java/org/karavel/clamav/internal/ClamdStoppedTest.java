package org.karavel.clamav.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.karavel.clamav.internal.ClamdScanTest.INFECTED;
import static org.karavel.clamav.internal.ClamdScanTest.component;
import static org.karavel.clamav.internal.ClamdScanTest.scan;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.filter.Verdict;
import org.karavel.testkit.FilterSession;
import org.karavel.testkit.LogCapture;

/** A clamd that answered, then was stopped: each fail mode, the metric and the warning. */
class ClamdStoppedTest {
    @TempDir
    Path directory;

    @Test
    void failModesOnceClamdIsGone() throws Exception {
        ClamdAddress tcp;
        ClamdAddress unix;
        ClamavComponent open;
        ClamavComponent closed;
        try (ClamdDaemon clamd = ClamdDaemon.start(directory, INFECTED, "25M")) {
            tcp = clamd.tcp();
            unix = clamd.unix();
            open = component(tcp, Map.of("timeout__millis", 5000L));
            closed = component(unix, Map.of("fail__mode", "closed", "timeout__millis", 5000L));
            // both answer while clamd runs
            assertThat(scan(open, FilterSession.from("192.0.2.10"), TestMessages.withAttachment(INFECTED))
                            .code())
                    .isEqualTo(554);
            assertThat(scan(closed, FilterSession.from("192.0.2.10"), TestMessages.withAttachment(INFECTED))
                            .code())
                    .isEqualTo(554);
        }
        try (LogCapture log = new LogCapture()) {
            Verdict first = scan(open, FilterSession.from("192.0.2.10"), TestMessages.withAttachment(INFECTED));
            Verdict second =
                    scan(open, FilterSession.from("192.0.2.10"), TestMessages.plain("X-Virus-Scanned: clamav"));
            Verdict deferred = scan(closed, FilterSession.from("192.0.2.10"), TestMessages.withAttachment(INFECTED));

            assertThat(first.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
            assertThat(first.headers())
                    .extracting(Verdict.Header::toString)
                    .containsExactly("X-Virus-Scanned: unscanned (clamd unavailable)");
            assertThat(second.headers())
                    .extracting(Verdict.Header::toString)
                    .containsExactly("X-Virus-Scanned: unscanned (clamd unavailable)");
            assertThat(second.removedHeaders()).containsExactly(0);
            assertThat(open.counters().failures()).isEqualTo(2);

            assertThat(deferred.kind()).isEqualTo(Verdict.Kind.DEFER);
            assertThat(deferred.toString()).isEqualTo("451 4.7.1 Virus scan unavailable, try again later");
            assertThat(closed.counters().failures()).isEqualTo(1);

            assertThat(open.metrics())
                    .filteredOn(m -> m.name().equals("karavel_clamav_failures_total"))
                    .singleElement()
                    .satisfies(m -> assertThat(m.samples().get(0).value()).isEqualTo(2.0));
            // two failures of one filter within a minute: one warning; the other filter warns on its own
            assertThat(log.text().split("clamav: clamd at " + tcp, -1)).hasSize(2);
            assertThat(log.text()).contains("clamav: clamd at " + unix, "are deferred");
        } finally {
            open.deactivate();
            closed.deactivate();
        }
    }
}
