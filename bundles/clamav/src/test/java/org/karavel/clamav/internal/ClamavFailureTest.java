package org.karavel.clamav.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.karavel.clamav.internal.ClamdScanTest.component;
import static org.karavel.clamav.internal.ClamdScanTest.scan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterSession;

/** What a real clamd cannot be made to do: hang, answer garbage, or be asked too much at once. */
class ClamavFailureTest {
    @Test
    void aClamdThatNeverAnswersRunsIntoTheTimeLimitAndItsConnectionIsClosed() throws Exception {
        try (ScriptedClamd silent = new ScriptedClamd(null)) {
            ClamavComponent c = component(silent.address(), Map.of("timeout__millis", 300L, "fail__mode", "closed"));
            try {
                long start = System.nanoTime();
                Verdict v = scan(c, FilterSession.from("192.0.2.10"), TestMessages.plain());

                assertThat(v.toString()).isEqualTo("451 4.7.1 Virus scan unavailable, try again later");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
                assertThat(c.counters().failures()).isEqualTo(1);
                // the scan thread closed its connection: it is free again
                assertThat(silent.connections()).isEqualTo(1);
                await().atMost(Duration.ofSeconds(10)).until(() -> silent.openConnections() == 0);
            } finally {
                c.deactivate();
            }
        }
    }

    @Test
    void garbageAndErrorAnswersAreFailures() throws Exception {
        for (String answer : new String[] {"HELLO", "stream: Can't allocate memory ERROR", "PONG"}) {
            try (ScriptedClamd odd = new ScriptedClamd(answer)) {
                ClamavComponent c = component(odd.address(), Map.of());
                try {
                    Verdict v = scan(c, FilterSession.from("192.0.2.10"), TestMessages.plain());

                    assertThat(v.headers())
                            .as(answer)
                            .extracting(Verdict.Header::toString)
                            .containsExactly("X-Virus-Scanned: unscanned (clamd unavailable)");
                    assertThat(c.counters().failures()).as(answer).isEqualTo(1);
                    assertThat(c.counters().scans()).as(answer).isZero();
                } finally {
                    c.deactivate();
                }
            }
        }
    }

    @Test
    void aSignatureNameIsMadeSafeForTheReply() throws Exception {
        try (ScriptedClamd odd = new ScriptedClamd("stream: Evil\u0007Name\u00e9 FOUND")) {
            ClamavComponent c = component(odd.address(), Map.of());
            try {
                Verdict v = scan(c, FilterSession.from("192.0.2.10"), TestMessages.plain());

                assertThat(v.text()).isEqualTo("Message rejected: virus found (Evil_Name_)");
            } finally {
                c.deactivate();
            }
        }
    }

    @Test
    void whenEveryThreadAndTheQueueAreTakenAMessageFailsAtOnce() throws Exception {
        try (ScriptedClamd silent = new ScriptedClamd(null)) {
            ClamavComponent c = component(silent.address(), Map.of("scan__threads", 1, "timeout__millis", 60_000L));
            try {
                List<CompletableFuture<Verdict>> waiting = new ArrayList<>();
                for (int i = 0; i < 1 + ClamavComponent.QUEUE; i++) {
                    waiting.add(endOfMessage(c));
                }
                Verdict overflow = endOfMessage(c).getNow(null);

                assertThat(overflow).as("answered at once").isNotNull();
                assertThat(overflow.headers())
                        .extracting(Verdict.Header::toString)
                        .containsExactly("X-Virus-Scanned: unscanned (clamd unavailable)");
                assertThat(waiting).noneMatch(CompletableFuture::isDone);
            } finally {
                c.deactivate();
            }
        }
    }

    @Test
    void stoppingFailsWhatIsWaiting() throws Exception {
        try (ScriptedClamd silent = new ScriptedClamd(null)) {
            ClamavComponent c = component(silent.address(), Map.of("scan__threads", 1, "timeout__millis", 60_000L));
            CompletableFuture<Verdict> running = endOfMessage(c);
            CompletableFuture<Verdict> queued = endOfMessage(c);
            await().atMost(Duration.ofSeconds(10)).until(() -> silent.connections() == 1);

            c.deactivate();

            assertThat(queued.get().headers())
                    .extracting(Verdict.Header::value)
                    .containsExactly("unscanned (clamd unavailable)");
            assertThat(running.get().headers())
                    .extracting(Verdict.Header::value)
                    .containsExactly("unscanned (clamd unavailable)");
        }
    }

    private static CompletableFuture<Verdict> endOfMessage(ClamavComponent c) throws Exception {
        return c.endOfMessage(
                        FilterSession.from("192.0.2.10"),
                        FilterEnvelope.from(MailAddress.parse("sender@example.org")),
                        TestMessages.plain())
                .toCompletableFuture();
    }
}
