package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;

class DeliveryStatusNotificationTest {
    private static final Instant NOW = Instant.parse("2025-02-03T10:15:30Z");

    private static QueuedMessage original(Map<String, String> params) {
        var env = DeliveryFixture.envelope(
                "sender@sender.test", List.of("a@example.test"), NOW.minusSeconds(3600), params);
        return new QueuedMessage(
                new QueueId("ABC123"),
                env,
                List.of(RecipientStatus.pending(env.recipients().get(0))),
                10,
                2,
                NOW,
                false);
    }

    @Test
    void longRepliesAreFoldedAndNoLineIsLongerThan998() {
        String longReply = "550 5.7.1 " + "x".repeat(2500) + " and " + "word ".repeat(300);
        var failed = new DeliveryStatusNotification.FailedRecipient(
                DeliveryFixture.address("a@example.test"), "5.7.1", longReply, "mx.example.test", NOW, false);
        byte[] headers = ("Subject: hi\nX-Long: " + "y".repeat(1500) + "\r\nReceived: from a\r\n\tby b\r\n")
                .getBytes(StandardCharsets.UTF_8);

        byte[] dsn = DeliveryStatusNotification.build(
                "mta.test",
                original(Map.of("ENVID", "env-1")),
                List.of(failed),
                headers,
                new QueueId("DSN1"),
                NOW,
                ZoneOffset.UTC);

        BounceTest.assertWellFormed(dsn);
        ParsedReport report = ParsedReport.parse(new String(dsn, StandardCharsets.UTF_8));
        List<Map<String, String>> groups =
                ParsedReport.groups(report.parts.get(1).body());
        assertThat(groups.get(0))
                .containsEntry("original-envelope-id", "env-1")
                .containsEntry("arrival-date", "Mon, 3 Feb 2025 09:15:30 +0000");
        // folding at spaces keeps the words; only the unbreakable run is split
        assertThat(groups.get(1).get("diagnostic-code").replace(" ", ""))
                .isEqualTo(("smtp;" + longReply).replace(" ", ""));
        assertThat(groups.get(1)).containsEntry("last-attempt-date", "Mon, 3 Feb 2025 10:15:30 +0000");
        assertThat(report.parts.get(2).body())
                .contains("Subject: hi\r\nX-Long: ")
                .contains("Received: from a\r\n\tby b\r\n");
        assertThat(report.headers)
                .containsEntry("message-id", "<" + NOW.toEpochMilli() + ".DSN1@mta.test>")
                .containsEntry("date", "Mon, 3 Feb 2025 10:15:30 +0000");
    }

    @Test
    void aUtf8BounceReadsBackAsAGlobalReportWithMime4j() throws Exception {
        var env = DeliveryFixture.envelope(
                "jürgen@sender.test", List.of("a@example.test"), NOW.minusSeconds(3600), Map.of());
        QueuedMessage m = new QueuedMessage(
                new QueueId("ABC124"),
                env,
                List.of(RecipientStatus.pending(env.recipients().get(0))),
                10,
                2,
                NOW,
                false);
        var failed = new DeliveryStatusNotification.FailedRecipient(
                DeliveryFixture.address("a@example.test"), "5.1.1", "550 5.1.1 unknown", "mx.example.test", NOW, false);
        byte[] dsn = DeliveryStatusNotification.build(
                "mta.test",
                m,
                List.of(failed),
                "Subject: grüße\r\n".getBytes(StandardCharsets.UTF_8),
                new QueueId("DSN3"),
                NOW,
                ZoneOffset.UTC);

        BounceTest.assertWellFormed(dsn);
        Message parsed = new DefaultMessageBuilder().parseMessage(new ByteArrayInputStream(dsn));
        assertThat(parsed.getMimeType()).isEqualTo("multipart/report");
        assertThat(parsed.getHeader().getField("To").getBody()).isEqualTo("<jürgen@sender.test>");
        List<Entity> parts = ((Multipart) parsed.getBody()).getBodyParts();
        assertThat(parts)
                .extracting(Entity::getMimeType)
                .containsExactly("text/plain", "message/global-delivery-status", "message/global-headers");
        assertThat(parts).extracting(Entity::getContentTransferEncoding).containsOnly("8bit");
        assertThat(parts.get(0).getCharset()).isEqualTo("utf-8");
        try (var in = ((SingleBody) parts.get(2).getBody()).getInputStream()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("Subject: grüße\r\n");
        }
    }

    @Test
    void anErrorWithoutReplyCodeIsNotCalledAnSmtpDiagnostic() {
        var failed = new DeliveryStatusNotification.FailedRecipient(
                DeliveryFixture.address("a@example.test"),
                "5.4.7",
                "connect to mx.example.test[127.0.0.1]:25: Connection refused",
                "",
                NOW,
                true);
        String dsn = new String(
                DeliveryStatusNotification.build(
                        "mta.test",
                        original(Map.of()),
                        List.of(failed),
                        new byte[0],
                        new QueueId("DSN2"),
                        NOW,
                        ZoneOffset.UTC),
                StandardCharsets.UTF_8);
        Map<String, String> g =
                ParsedReport.groups(ParsedReport.parse(dsn).parts.get(1).body()).get(1);
        assertThat(g)
                .containsEntry(
                        "diagnostic-code", "X-Karavel; connect to mx.example.test[127.0.0.1]:25: Connection refused")
                .containsEntry("status", "5.4.7")
                .doesNotContainKey("remote-mta");
    }

    @Test
    void theHeaderSectionEndsAtTheFirstEmptyLine() throws Exception {
        String msg = "Subject: a\r\nFrom: b\r\n\r\nbody line\r\nNot-A-Header: c\r\n";
        byte[] h =
                DeliveryStatusNotification.readHeaders(new ByteArrayInputStream(msg.getBytes(StandardCharsets.UTF_8)));
        assertThat(new String(h, StandardCharsets.UTF_8)).isEqualTo("Subject: a\r\nFrom: b\r\n");
    }

    @Test
    void aHugeHeaderSectionIsCutAtALineEnd() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 200_000; i++) {
            sb.append("X-Filler-").append(i).append(": ").append("z".repeat(80)).append("\r\n");
        }
        sb.append("\r\nbody\r\n");
        byte[] h = DeliveryStatusNotification.readHeaders(
                new ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(h.length).isLessThanOrEqualTo(DeliveryStatusNotification.MAX_HEADER_BYTES);
        assertThat(new String(h, StandardCharsets.UTF_8))
                .startsWith("X-Filler-0: ")
                .endsWith("\r\n");
    }
}
