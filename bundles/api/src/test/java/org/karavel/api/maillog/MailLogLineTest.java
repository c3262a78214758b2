package org.karavel.api.maillog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.maillog.MailLogLine.DsnKind;
import org.karavel.api.maillog.MailLogLine.RemovedBy;
import org.karavel.api.queue.QueueId;

/**
 * The mail log is a contract with log parsers: every event's line, built from fixed inputs, must
 * match {@code maillog-golden.txt} exactly. A change there is a change for every operator's parser
 * and belongs in the README's mail-log section and the release notes.
 */
class MailLogLineTest {
    private static final QueueId ID = new QueueId("3F2A9C1B7D");
    private static final MailAddress SENDER = address("app@example.com");
    private static final MailAddress RCPT = address("bob@remote.example");
    private static final String TLS =
            MailLogLine.tls(true, "TLSv1.3", "TLS_AES_256_GCM_SHA384", true, "Required/mta-sts-enforce", null);

    private static MailAddress address(String text) {
        try {
            return MailAddress.parse(text);
        } catch (AddressSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The lines in the order of the golden file: one (or a few) per event. */
    private static List<String> everyEvent() {
        return List.of(
                MailLogLine.received(ID, SENDER, 1432, 2, "192.0.2.7", "client.example", null, "mx"),
                MailLogLine.received(ID, SENDER, 1432, 1, "127.0.0.1", null, "ops", "admin"),
                MailLogLine.reject(
                        null,
                        "RCPT",
                        SENDER,
                        address("x@other.example"),
                        "192.0.2.7",
                        "client.example",
                        "554 5.7.1 <x@other.example>: Relay access denied"),
                MailLogLine.reject(null, "CONNECT", null, null, "192.0.2.7", null, "554 5.7.1 Listed at a blocklist"),
                MailLogLine.delivered(
                        ID,
                        RCPT,
                        MailLogLine.relay("mx1.remote.example", "192.0.2.25", 25),
                        Duration.ofMillis(420),
                        1,
                        TLS,
                        "250 2.0.0 Ok"),
                MailLogLine.delivered(
                        ID,
                        address("alice@example.com"),
                        MailLogLine.RELAY_LOCAL,
                        Duration.ofMillis(40),
                        1,
                        "",
                        "delivered to maildir"),
                MailLogLine.deferred(
                        ID,
                        RCPT,
                        MailLogLine.RELAY_NONE,
                        Duration.ofSeconds(310),
                        2,
                        null,
                        "connection_failure",
                        "connect to mx1.remote.example[192.0.2.25]:25: Connection refused"),
                MailLogLine.bounced(
                        ID,
                        RCPT,
                        MailLogLine.lmtpRelay("127.0.0.1", 24),
                        Duration.ofMillis(300),
                        1,
                        null,
                        "invalid_recipient",
                        "550 5.1.1 User unknown"),
                MailLogLine.bounced(
                        ID,
                        RCPT,
                        MailLogLine.RELAY_NONE,
                        Duration.ofSeconds(3600),
                        4,
                        null,
                        "other",
                        "5.0.0 spam run (bounced by the operator)"),
                MailLogLine.removed(ID, RemovedBy.DELIVERY),
                MailLogLine.removed(ID, RemovedBy.SHELL),
                MailLogLine.removed(ID, RemovedBy.ADMIN, "127.0.0.1", "ops"),
                MailLogLine.quarantined("3F2A9C1B7D", "bad checksum"),
                MailLogLine.dsnQueued(ID, SENDER, 1, new QueueId("3F2A9C1B80")),
                MailLogLine.dsnSkipped(ID, 2),
                MailLogLine.dsnFailed(ID, SENDER, 1, "java.io.IOException: spool is stopping"),
                MailLogLine.dsnQueued(
                        ID, SENDER, Map.of(DsnKind.DELIVERED, 1, DsnKind.RELAYED, 2), new QueueId("3F2A9C1B81")),
                MailLogLine.dsnQueued(ID, SENDER, Map.of(DsnKind.DELAYED, 1), new QueueId("3F2A9C1B82")),
                MailLogLine.dsnSkipped(ID, SENDER, Map.of(DsnKind.FAILED, 1), "NOTIFY=NEVER"),
                MailLogLine.dsnSkipped(ID, SENDER, Map.of(DsnKind.FAILED, 1), "NOTIFY=SUCCESS"),
                MailLogLine.dsnFailed(ID, SENDER, Map.of(DsnKind.DELAYED, 1), "java.io.IOException: spool is stopping"),
                MailLogLine.tlsReport(ID, address("tlsrpt@mx.example.com"), 2210, 1, "remote.example"),
                MailLogLine.unrecorded(ID, 2),
                MailLogLine.delivered(
                        ID,
                        address("carol@gmail.example"),
                        MailLogLine.relay("mx1.google.example", "192.0.2.26", 25),
                        "gmail",
                        Duration.ofMillis(500),
                        1,
                        "",
                        "250 2.0.0 Ok"),
                MailLogLine.deferred(
                        ID,
                        address("carol@gmail.example"),
                        MailLogLine.relay("mx1.google.example", "192.0.2.26", 25),
                        "gmail",
                        Duration.ofSeconds(12),
                        1,
                        "",
                        "rate_limited",
                        "421 4.7.28 Our system has detected an unusual rate of unsolicited mail"),
                MailLogLine.bounced(
                        ID,
                        address("dave@yahoo.example"),
                        MailLogLine.relay("mta5.yahoodns.example", "192.0.2.27", 25),
                        "yahoo",
                        Duration.ofSeconds(2),
                        1,
                        "",
                        "policy_related",
                        "554 5.7.9 Message not accepted for policy reasons"),
                MailLogLine.shaping(
                        ID,
                        "gmail",
                        "suspend",
                        null,
                        Instant.parse("2026-12-07T13:00:00.250Z"),
                        "421 4.7.28 Our system has detected an unusual rate of unsolicited mail"),
                MailLogLine.shaping(
                        ID,
                        "yahoo",
                        "rate",
                        "20/min",
                        Instant.parse("2026-12-07T14:00:00Z"),
                        "421 4.7.0 [TSS04] Messages from 192.0.2.9 temporarily deferred"),
                MailLogLine.shaping(ID, "yahoo", "bounce", null, null, "554 5.7.9 Message not accepted"));
    }

    @Test
    void everyEventIsWordedAsTheGoldenFileSays() throws IOException {
        assertThat(everyEvent()).containsExactlyElementsOf(golden());
    }

    @Test
    void controlCharactersNeverSplitALine() {
        String reject = MailLogLine.reject(
                new QueueId("T1"), "DATA", null, null, "::1", "evil\r\nT1: <removed>", "550 5.7.1 bad\r\nthing");
        assertThat(reject)
                .isEqualTo("T1: reject stage=DATA client=[::1] helo=<evil??T1: ?removed?> (550 5.7.1 bad  thing)");
        assertThat(MailLogLine.quarantined("key with\nspace", "a\tb")).isEqualTo("key?with?space: quarantined (a b)");
    }

    @Test
    void fieldsThatDoNotApplyAreLeftOutNotEmpty() {
        assertThat(MailLogLine.received(ID, MailAddress.NULL_SENDER, 10, 1, "127.0.0.1", null, "", "admin"))
                .isEqualTo("3F2A9C1B7D: received from=<> size=10 nrcpt=1 client=[127.0.0.1] listener=admin");
        assertThat(MailLogLine.removed(ID, RemovedBy.ADMIN, "127.0.0.1", ""))
                .isEqualTo("3F2A9C1B7D: removed by=admin client=[127.0.0.1]");
    }

    @Test
    void delayHasOneDecimalBelowTenSecondsAndNoneAbove() {
        assertThat(MailLogLine.delay(Duration.ofMillis(-5))).isEqualTo("0.0");
        assertThat(MailLogLine.delay(Duration.ofMillis(9_940))).isEqualTo("9.9");
        assertThat(MailLogLine.delay(Duration.ofMillis(10_000))).isEqualTo("10");
        assertThat(MailLogLine.delay(Duration.ofMillis(125_600))).isEqualTo("126");
    }

    @Test
    void tlsFieldsWithoutTlsAndWithAFailure() {
        assertThat(MailLogLine.tls(false, "", "", false, "Opportunistic/none", null))
                .isEqualTo("tls=none policy=Opportunistic/none");
        assertThat(MailLogLine.tls(true, "TLSv1.2", "X", false, "Required/dane", "certificate-expired"))
                .isEqualTo("tls=TLSv1.2:X verified=no policy=Required/dane tls_failure=certificate-expired");
    }

    private static List<String> golden() throws IOException {
        try (InputStream in = MailLogLineTest.class.getResourceAsStream("/maillog-golden.txt")) {
            assertThat(in).as("maillog-golden.txt on the test class path").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .toList();
        }
    }
}
