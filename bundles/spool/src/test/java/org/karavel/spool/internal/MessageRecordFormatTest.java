package org.karavel.spool.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.karavel.spool.internal.TestMessages.envelope;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.DsnRequest;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;

class MessageRecordFormatTest {
    private static StoredMessage sample(long seq, boolean inline) {
        var env = envelope(seq);
        List<RecipientStatus> statuses =
                env.recipients().stream().map(RecipientStatus::pending).toList();
        statuses = new ArrayList<>(statuses);
        statuses.set(
                0,
                statuses.get(0)
                        .with(RecipientStatus.State.BOUNCED, "550 5.1.1 unknown user\r\nmore", "mx.example.test"));
        return new StoredMessage(
                new QueuedMessage(
                        new QueueId("ABC123"),
                        env,
                        statuses,
                        4242,
                        7,
                        Instant.parse("2030-05-06T07:08:09.123456789Z"),
                        true),
                inline);
    }

    @Test
    void everyFieldSurvivesARoundTrip() throws Exception {
        for (long seq : new long[] {0, 1, 3, 14}) {
            for (boolean inline : new boolean[] {true, false}) {
                StoredMessage s = sample(seq, inline);
                assertThat(MessageRecordFormat.decode("ABC123", MessageRecordFormat.encode(s)))
                        .isEqualTo(s);
            }
        }
        assertThat(MessageRecordFormat.encode(sample(1, true))[0]).isEqualTo(MessageRecordFormat.VERSION);
    }

    @Test
    void theOriginSurvivesARoundTrip() throws Exception {
        for (Origin origin : new Origin[] {
            Origin.internet("192.0.2.9"),
            Origin.submission("alice@example.test"),
            Origin.relayHost("127.0.0.1"),
            Origin.adminApi(""),
            Origin.local("dsn")
        }) {
            var e = envelope(4);
            var env = new Envelope(
                    e.sender(),
                    e.recipients(),
                    e.mailParameters(),
                    e.receivedAt(),
                    e.clientAddress(),
                    e.heloName(),
                    e.listenerName(),
                    e.authenticatedUser(),
                    origin);
            StoredMessage s = new StoredMessage(
                    new QueuedMessage(
                            new QueueId("ABC123"),
                            env,
                            env.recipients().stream()
                                    .map(RecipientStatus::pending)
                                    .toList(),
                            1,
                            0,
                            Instant.EPOCH,
                            false),
                    true);
            assertThat(MessageRecordFormat.decode("ABC123", MessageRecordFormat.encode(s))
                            .message()
                            .envelope()
                            .origin())
                    .isEqualTo(origin);
        }
    }

    /**
     * Records written by the build before origins (format 1, fixtures made with that build's encoder)
     * still load after an upgrade, with the origin inferred: an authenticated user's is a submission
     * (signed), the rest the Internet's (never signed).
     */
    @Test
    void aVersionOneRecordFromThePreviousBuildStillLoads() throws Exception {
        StoredMessage authenticated = MessageRecordFormat.decode("V1REC1", fixture("v1-authenticated.hex"));
        Envelope e = authenticated.message().envelope();
        assertThat(e.sender().toString()).isEqualTo("sender1@example.test");
        assertThat(e.recipients()).extracting(Object::toString).containsExactly("rcpt1@example.test");
        assertThat(e.mailParameters()).containsEntry("BODY", "8BITMIME").containsEntry("ENVID", "e1");
        assertThat(e.clientAddress()).isEqualTo("192.0.2.1");
        assertThat(e.heloName()).isEqualTo("client1.example.test");
        assertThat(e.listenerName()).isEqualTo("mx");
        assertThat(e.authenticatedUser()).isEqualTo("user1");
        assertThat(e.origin()).isEqualTo(Origin.submission("user1"));
        assertThat(authenticated.message().size()).isEqualTo(1234);
        assertThat(authenticated.message().attempts()).isEqualTo(2);
        assertThat(authenticated.message().nextAttempt()).isEqualTo(Instant.parse("2026-11-30T10:00:00Z"));
        assertThat(authenticated.inline()).isTrue();
        assertIndexFieldsAgree(authenticated, fixture("v1-authenticated.hex"));

        StoredMessage stranger = MessageRecordFormat.decode("V1REC2", fixture("v1-unauthenticated.hex"));
        assertThat(stranger.message().envelope().origin().kind()).isEqualTo(Origin.Kind.INTERNET);
        assertThat(stranger.message().envelope().origin().originatesHere()).isFalse();
        // written again, it is a record of the current version that reads back the same
        byte[] rewritten = MessageRecordFormat.encode(stranger);
        assertThat(rewritten[0]).isEqualTo(MessageRecordFormat.VERSION);
        assertThat(MessageRecordFormat.decode("V1REC2", rewritten)).isEqualTo(stranger);
    }

    /**
     * Every format version from 2 on has records kept as that build wrote them (see {@link
     * RecordFixtures} for how they are made); each must still decode to exactly what was written.
     */
    @Test
    void recordsWrittenByEveryEarlierVersionStillLoadExactly() throws Exception {
        for (int version = 2; version <= MessageRecordFormat.VERSION; version++) {
            for (String name : List.of(RecordFixtures.BODY_FILE, RecordFixtures.INLINE)) {
                String file = RecordFixtures.fileName(version, name);
                byte[] record;
                try (var in = MessageRecordFormatTest.class.getResourceAsStream("/records/" + file)) {
                    assertThat(in)
                            .as("fixture %s (add it with RecordFixtures when the version changes)", file)
                            .isNotNull();
                    record = in.readAllBytes();
                }
                StoredMessage expected = RecordFixtures.expected(version, name);
                assertThat(MessageRecordFormat.decode(expected.message().id().value(), record))
                        .as(file)
                        .isEqualTo(expected);
                assertIndexFieldsAgree(expected, record);
            }
        }
    }

    /** What opening reads of a record (without building it) is what the full record says. */
    private static void assertIndexFieldsAgree(StoredMessage expected, byte[] record) throws Exception {
        QueuedMessage m = expected.message();
        MessageRecordFormat.IndexFields f =
                MessageRecordFormat.decodeIndexFields(m.id().value(), record, MessageRecordFormat::domainKey);
        assertThat(f.id()).isEqualTo(m.id());
        assertThat(f.next()).isEqualTo(m.nextAttempt().toEpochMilli());
        assertThat(f.received()).isEqualTo(m.envelope().receivedAt().toEpochMilli());
        assertThat(f.size()).isEqualTo(m.size());
        assertThat(f.inline()).isEqualTo(expected.inline());
        assertThat(f.pendingDomains())
                .isEqualTo(
                        m.pending().stream().map(r -> r.recipient().domainKey()).toList());
    }

    @Test
    void theIndexFieldsOfEveryShapeOfRecordAgreeWithTheFullRecord() throws Exception {
        for (long seq = 1; seq <= 21; seq++) {
            StoredMessage s = new StoredMessage(
                    new QueuedMessage(
                            new QueueId("IDX" + seq),
                            TestMessages.envelope(seq),
                            TestMessages.envelope(seq).recipients().stream()
                                    .map(RecipientStatus::pending)
                                    .toList(),
                            100 + seq,
                            (int) seq % 3,
                            Instant.ofEpochSecond(1_800_000_000L + seq, 5_000_000),
                            false),
                    seq % 2 == 0);
            assertIndexFieldsAgree(s, MessageRecordFormat.encode(s));
        }
        byte[] record = MessageRecordFormat.encode(RecordFixtures.expected(3, RecordFixtures.INLINE));
        record[record.length - 1] ^= 1;
        assertThatThrownBy(() -> MessageRecordFormat.decodeIndexFields(
                        RecordFixtures.expected(3, RecordFixtures.INLINE).id().value(), record, d -> d))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("checksum");
    }

    /** NOTIFY, ORCPT and the delay flag of format 3 survive a round trip; a format 2 record has none. */
    @Test
    void theDsnRequestsAndTheDelayFlagSurviveARoundTrip() throws Exception {
        StoredMessage withDsn = RecordFixtures.expected(3, RecordFixtures.BODY_FILE);
        StoredMessage back =
                MessageRecordFormat.decode(withDsn.message().id().value(), MessageRecordFormat.encode(withDsn));
        assertThat(back).isEqualTo(withDsn);
        Envelope e = back.message().envelope();
        assertThat(e.dsnRequest(e.recipients().get(0)).notifyValue()).isEqualTo("SUCCESS,DELAY");
        assertThat(e.dsnRequest(e.recipients().get(0)).originalRecipient()).isEqualTo("rfc822;bob+orig@example.test");
        assertThat(e.dsnRequest(e.recipients().get(1)).never()).isTrue();
        assertThat(e.dsnRequest(e.recipients().get(2))).isEqualTo(DsnRequest.NONE);
        assertThat(back.message().delayWarned()).isTrue();

        byte[] v2;
        try (var in = MessageRecordFormatTest.class.getResourceAsStream("/records/v2-body-file.bin")) {
            v2 = in.readAllBytes();
        }
        StoredMessage old = MessageRecordFormat.decode("1M9A0B1C2D3E4F5", v2);
        assertThat(old.message().envelope().dsnRequests()).isEmpty();
        assertThat(old.message().delayWarned()).isFalse();
        assertThat(old.message().envelope().envelopeId()).isEqualTo("fixture-1");
        assertThat(old.message().envelope().dsnReturn()).isEqualTo("HDRS");
    }

    private static byte[] fixture(String name) throws Exception {
        try (var in = MessageRecordFormatTest.class.getResourceAsStream("/records/" + name)) {
            return HexFormat.of().parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
        }
    }

    @Test
    void unreadableRecordsAreRefusedWithAReason() {
        byte[] good = MessageRecordFormat.encode(sample(1, true));
        assertThatThrownBy(() -> MessageRecordFormat.decode("ABC123", Arrays.copyOf(good, good.length - 9)))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("checksum");
        byte[] future = good.clone();
        future[0] = 9;
        assertThatThrownBy(() -> MessageRecordFormat.decode("ABC123", future))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessage("unknown format version 9");
        assertThatThrownBy(() -> MessageRecordFormat.decode("ABC123", new byte[] {1, 2}))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("too short");
        assertThatThrownBy(() -> MessageRecordFormat.decode("OTHER", good))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("under key OTHER");
    }

    @Test
    void anAddressThatNoLongerParsesIsReportedEvenWithAValidChecksum() {
        byte[] rec = MessageRecordFormat.encode(sample(1, true));
        String text = new String(rec, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("sender1@example.test");
        byte[] broken = rec.clone();
        byte[] replacement = "sender1@exa..le.test".getBytes(StandardCharsets.ISO_8859_1); // same length, two dots
        System.arraycopy(replacement, 0, broken, at, replacement.length);
        withCrc(broken);
        assertThatThrownBy(() -> MessageRecordFormat.decode("ABC123", broken))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("unparsable address");
    }

    private static void withCrc(byte[] rec) {
        CRC32 crc = new CRC32();
        crc.update(rec, 0, rec.length - 4);
        ByteBuffer.wrap(rec, rec.length - 4, 4).putInt((int) crc.getValue());
    }
}
