package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.QueueId;

/** The small parsers and formatters: MAIL/RCPT arguments, replies, the Received header. */
class SyntaxTest {
    @Test
    void pathArgumentsAreSplitFromTheirParameters() {
        assertThat(PathArgument.parse("FROM:<a@example.com> SIZE=10  BODY=8BITMIME", "FROM:"))
                .isEqualTo(new PathArgument("<a@example.com>", List.of("SIZE=10", "BODY=8BITMIME")));
        assertThat(PathArgument.parse("from: <a@example.com>", "FROM:").path()).isEqualTo("<a@example.com>");
        assertThat(PathArgument.parse("FROM:<\"x>y\"@example.com>", "FROM:").path())
                .isEqualTo("<\"x>y\"@example.com>");
        assertThat(PathArgument.parse("FROM:<a@example.com>SIZE=1", "FROM:").path())
                .isNull();
        assertThat(PathArgument.parse("FROM:a@example.com", "FROM:").path()).isNull();
        assertThat(PathArgument.parse("FROM:<a@example.com", "FROM:").path()).isNull();
        assertThat(PathArgument.parse("TO:<a@example.com>", "FROM:")).isNull();
    }

    @Test
    void replyTextCannotInjectLines() {
        assertThat(Reply.of(554, "5.7.1", "bad\r\n250 2.0.0 Ok").toString()).isEqualTo("554 5.7.1 bad  250 2.0.0 Ok");
        assertThat(new String(Reply.of(550, "5.7.1", "naïve\u0000").bytes())).isEqualTo("550 5.7.1 na?ve?\r\n");
    }

    @Test
    void receivedHeaderNamesTheProtocolAndUsesAddressLiterals() throws Exception {
        ZonedDateTime when = ZonedDateTime.of(2025, 6, 3, 11, 5, 30, 0, ZoneOffset.ofHours(2));
        ReceivedHeader h = new ReceivedHeader(
                "client.example",
                null,
                InetAddress.getByName("2001:db8::1"),
                "mx.example",
                ReceivedHeader.protocol(true, false, false, false),
                MailAddress.parse("b@example.org"),
                when);
        assertThat(h.render(new QueueId("ABC123")))
                .isEqualTo("Received: from client.example (unknown [IPv6:2001:db8:0:0:0:0:0:1])\r\n"
                        + "\tby mx.example (Karavel) with ESMTP id ABC123\r\n"
                        + "\tfor <b@example.org>; Tue, 3 Jun 2025 11:05:30 +0200\r\n");
        assertThat(ReceivedHeader.protocol(false, false, false, false)).isEqualTo("SMTP");
        assertThat(ReceivedHeader.protocol(true, false, true, true)).isEqualTo("ESMTPSA");
        assertThat(ReceivedHeader.protocol(true, true, false, true)).isEqualTo("UTF8SMTPA");
    }
}
