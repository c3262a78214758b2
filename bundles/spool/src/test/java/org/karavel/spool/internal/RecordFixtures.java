package org.karavel.spool.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.DsnRequest;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;

/**
 * The records kept in {@code src/test/resources/records/v<version>-<name>.bin}, exactly as a build
 * of that format version wrote them, so that {@link MessageRecordFormatTest} fails when a change makes
 * an existing spool unreadable. The expected messages are spelled out here, never derived from
 * helpers that may change.
 *
 * <p>When {@link MessageRecordFormat#VERSION} changes, add the new version's fixtures (existing files
 * are never overwritten, never regenerated):
 * {@code mvn -o -pl bundles/spool test -Dtest=RecordFixtures -Dspool.records.write=src/test/resources/records}
 * (run from the repository root the directory is {@code bundles/spool/src/test/resources/records}).
 */
class RecordFixtures {
    /** Every field set and none at its default: a body file, bounced, three recipient states. */
    static final String BODY_FILE = "body-file";
    /** Inline content, null sender, one pending recipient, no parameters, from the Internet. */
    static final String INLINE = "inline";

    /** What the fixture {@code name} of format {@code version} holds. */
    static StoredMessage expected(int version, String name) {
        return switch (name) {
            case BODY_FILE -> version >= 3 ? bodyFileWithDsn() : bodyFile();
            case INLINE -> inline();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * Format 3 (the DSN extension): the body-file message as before, its recipients with NOTIFY and
     * ORCPT (one with both, one with NEVER, one with none) and the delay DSN sent.
     */
    private static StoredMessage bodyFileWithDsn() {
        QueuedMessage before = bodyFile().message();
        Envelope e = before.envelope();
        Map<MailAddress, DsnRequest> dsn = new LinkedHashMap<>();
        dsn.put(
                e.recipients().get(0),
                new DsnRequest(
                        EnumSet.of(DsnRequest.Notify.SUCCESS, DsnRequest.Notify.DELAY),
                        "rfc822;bob+orig@example.test"));
        dsn.put(e.recipients().get(1), DsnRequest.ofNotify(EnumSet.of(DsnRequest.Notify.NEVER)));
        Envelope withDsn = new Envelope(
                e.sender(),
                e.recipients(),
                e.mailParameters(),
                e.receivedAt(),
                e.clientAddress(),
                e.heloName(),
                e.listenerName(),
                e.authenticatedUser(),
                e.origin(),
                dsn);
        return new StoredMessage(
                new QueuedMessage(
                        before.id(),
                        withDsn,
                        before.recipients(),
                        before.size(),
                        before.attempts(),
                        before.nextAttempt(),
                        true,
                        true),
                false);
    }

    private static StoredMessage bodyFile() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("BODY", "8BITMIME");
        parameters.put("ENVID", "fixture-1");
        parameters.put("RET", "HDRS");
        Envelope envelope = new Envelope(
                TestMessages.address("alice@example.test"),
                List.of(
                        TestMessages.address("bob@example.test"),
                        TestMessages.address("\"carol smith\"@[192.0.2.7]"),
                        TestMessages.address("dave@example.org")),
                parameters,
                Instant.parse("2026-12-01T09:10:11.123456789Z"),
                "192.0.2.44",
                "client.example.test",
                "submission",
                "alice",
                Origin.submission("alice"));
        List<RecipientStatus> statuses = List.of(
                RecipientStatus.pending(envelope.recipients().get(0)),
                RecipientStatus.pending(envelope.recipients().get(1))
                        .with(RecipientStatus.State.DELIVERED, "250 2.0.0 ok", "mx.example.test"),
                RecipientStatus.pending(envelope.recipients().get(2))
                        .with(
                                RecipientStatus.State.BOUNCED,
                                "550 5.1.1 unknown user\r\nsecond line",
                                "mx.example.org"));
        return new StoredMessage(
                new QueuedMessage(
                        new QueueId("1M9A0B1C2D3E4F5"),
                        envelope,
                        statuses,
                        123_456,
                        3,
                        Instant.parse("2026-12-02T00:00:00.5Z"),
                        true),
                false);
    }

    private static StoredMessage inline() {
        Envelope envelope = new Envelope(
                MailAddress.NULL_SENDER,
                List.of(TestMessages.address("postmaster@example.test")),
                Map.of(),
                Instant.parse("2026-12-01T00:00:00Z"),
                "198.51.100.1",
                "mx.example.net",
                "mx",
                "",
                Origin.internet("198.51.100.1"));
        return new StoredMessage(
                new QueuedMessage(
                        new QueueId("1M9A0B1C2D3E4F6"),
                        envelope,
                        List.of(RecipientStatus.pending(envelope.recipients().get(0))),
                        812,
                        0,
                        Instant.parse("2026-12-01T00:00:00Z"),
                        false),
                true);
    }

    static String fileName(int version, String name) {
        return "v" + version + "-" + name + ".bin";
    }

    @Test
    @EnabledIfSystemProperty(named = "spool.records.write", matches = ".+")
    void writeTheCurrentVersionsFixtures() throws IOException {
        Path directory = Path.of(System.getProperty("spool.records.write"));
        for (String name : List.of(BODY_FILE, INLINE)) {
            Path file = directory.resolve(fileName(MessageRecordFormat.VERSION, name));
            // createFile refuses to overwrite: a fixture is what an earlier build wrote, never remade
            Files.write(
                    Files.createFile(file), MessageRecordFormat.encode(expected(MessageRecordFormat.VERSION, name)));
        }
    }
}
