package org.karavel.events.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.karavel.api.events.MessageEvent;

class EventJsonTest {
    /** The golden example, as the README shows it: every key present, in this order. */
    @Test
    void bouncedEvent() {
        MessageEvent e = new MessageEvent(
                "5f0c1d3e-8a4b-4c2d-9e1f-2a3b4c5d6e7f",
                MessageEvent.Type.BOUNCED,
                Instant.parse("2026-12-07T12:34:56.789123Z"),
                "3F2A9C1B7D",
                "app@example.com",
                List.of("nobody@example.org"),
                "submission",
                "192.0.2.10",
                "app@example.com",
                "mx.example.org[203.0.113.5]:25",
                "550 5.1.1 <nobody@example.org>: Recipient address rejected",
                "invalid_recipient",
                1,
                "order-4711",
                "rfc822;nobody@example.org");
        assertThat(EventJson.text(EventJson.bytes(e)))
                .isEqualTo("{\"id\":\"5f0c1d3e-8a4b-4c2d-9e1f-2a3b4c5d6e7f\",\"type\":\"bounced\","
                        + "\"time\":\"2026-12-07T12:34:56.789Z\",\"queue_id\":\"3F2A9C1B7D\","
                        + "\"sender\":\"app@example.com\",\"recipients\":[\"nobody@example.org\"],"
                        + "\"listener\":\"submission\",\"client_address\":\"192.0.2.10\","
                        + "\"authenticated_user\":\"app@example.com\","
                        + "\"remote_host\":\"mx.example.org[203.0.113.5]:25\","
                        + "\"reply\":\"550 5.1.1 <nobody@example.org>: Recipient address rejected\","
                        + "\"category\":\"invalid_recipient\",\"attempts\":1,\"envid\":\"order-4711\","
                        + "\"orcpt\":\"rfc822;nobody@example.org\"}");
    }

    @Test
    void oneLineWhateverTheReplySays() {
        MessageEvent e = MessageEvent.of(MessageEvent.Type.DEFERRED, Instant.EPOCH, "Q")
                .withOutcome("", "451 4.3.0 first line\r\nsecond \"line\"", "other", 2);
        String json = EventJson.text(EventJson.bytes(e));
        assertThat(json).doesNotContain("\n").doesNotContain("\r").contains("\\r\\nsecond \\\"line\\\"");
        assertThat(json).contains("\"sender\":\"\",\"recipients\":[]");
    }
}
