package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueueId;
import org.karavel.delivery.internal.RecipientResult.Outcome;

class MailLogTest {
    private static final QueueId ID = new QueueId("3F2A9C1B7D");
    private static final Instant T0 = Instant.parse("2025-02-03T10:00:00Z");

    private static RecipientResult result(Outcome o, String reply, String relay, Instant at) {
        return new RecipientResult(
                0, DeliveryFixture.address("a@b.example"), o, "2.0.0", reply, "mx.b.example", relay, at);
    }

    @Test
    void deliveredDeferredAndBouncedLines() {
        assertThat(MailLog.result(
                        ID,
                        result(Outcome.DELIVERED, "250 2.0.0 Ok", "mx.b.example[127.0.0.1]:2525", T0.plusMillis(400)),
                        T0,
                        1))
                .isEqualTo(
                        "3F2A9C1B7D: delivered to=<a@b.example> relay=mx.b.example[127.0.0.1]:2525 delay=0.4 attempts=1 "
                                + "status=sent (250 2.0.0 Ok)");
        assertThat(MailLog.result(
                        ID,
                        result(
                                Outcome.DEFERRED,
                                "connect to mx.b.example[127.0.0.1]:25: Connection refused",
                                "none",
                                T0.plusSeconds(125)),
                        T0,
                        3))
                .isEqualTo("3F2A9C1B7D: deferred to=<a@b.example> relay=none delay=125 attempts=3 "
                        + "status=deferred (connect to mx.b.example[127.0.0.1]:25: Connection refused)");
        assertThat(MailLog.result(ID, result(Outcome.BOUNCED, "550 5.1.1 unknown", "local", T0), T0, 1))
                .isEqualTo(
                        "3F2A9C1B7D: bounced to=<a@b.example> relay=local delay=0.0 attempts=1 status=bounced (550 5.1.1 unknown)");
    }

    @Test
    void remoteLinesCarryTheTlsOutcomeBeforeTheStatus() {
        RecipientResult r = new RecipientResult(
                0,
                DeliveryFixture.address("a@b.example"),
                Outcome.DELIVERED,
                "2.0.0",
                "250 2.0.0 Ok",
                "mx.b.example",
                "mx.b.example[127.0.0.1]:2525",
                T0.plusMillis(400),
                "tls=TLSv1.3:TLS_AES_256_GCM_SHA384 verified=yes policy=Opportunistic/none");
        assertThat(MailLog.result(ID, r, T0, 1))
                .isEqualTo(
                        "3F2A9C1B7D: delivered to=<a@b.example> "
                                + "relay=mx.b.example[127.0.0.1]:2525 delay=0.4 attempts=1 "
                                + "tls=TLSv1.3:TLS_AES_256_GCM_SHA384 verified=yes policy=Opportunistic/none status=sent (250 2.0.0 Ok)");
    }

    @Test
    void dsnAndRemovedLines() {
        assertThat(MailLog.dsnQueued(ID, new QueueId("AB12"), "s@x.example"))
                .isEqualTo("3F2A9C1B7D: dsn AB12 queued for <s@x.example>");
        assertThat(MailLog.removed(ID)).isEqualTo("3F2A9C1B7D: removed");
    }
}
