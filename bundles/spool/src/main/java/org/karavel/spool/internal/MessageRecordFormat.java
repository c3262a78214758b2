package org.karavel.spool.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.zip.CRC32;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.DomainName;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.DsnRequest;
import org.karavel.api.queue.DsnRequest.Notify;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;

/**
 * The spool's own binary format for a queued message (never Java serialization: it must survive
 * bundle updates and class loader changes). Version 3 layout, big-endian:
 *
 * <pre>
 * byte   format version (3)
 * byte   flags: 1 = content in a body file, 2 = bounced, 4 = delay DSN sent
 * str    queue id
 * long   content size
 * int    attempts
 * long,int next attempt (epoch second, nano)
 * str    sender ("" for the null sender)
 * int    n; n × (str key, str value)   MAIL FROM parameters
 * long,int received at
 * str    client address, HELO name, listener name, authenticated user
 * str    origin kind ({@link Origin.Kind#code()}), origin identity
 * int    n; n × (str address, byte state 0 pending / 1 delivered / 2 bounced, str last reply, str remote host,
 *               byte NOTIFY bits 1 NEVER / 2 SUCCESS / 4 FAILURE / 8 DELAY (0: not given), str ORCPT)
 * int    CRC32 of every byte before it
 * </pre>
 *
 * where {@code str} is an int length and that many UTF-8 octets. Addresses are stored as text and
 * parsed again with {@link MailAddress#parse(String)} on load. The envelope's recipients are the
 * recipients of the status list, in order.
 *
 * <p>Version 2 (written before the DSN extension) is the same without the delay flag and the two
 * DSN fields of each recipient; it is still read, as a message whose recipients asked for nothing
 * (RET and ENVID were always kept with the MAIL parameters).
 *
 * <p>Version 1 (written before origins were recorded) is the same without the two origin strings;
 * it is still read, with the origin {@link Origin#inferred inferred} from listener and user, so a
 * spool written by an older build loads after an upgrade.
 */
final class MessageRecordFormat {
    static final byte VERSION = 3;
    /** Records written before the DSN extension (no NOTIFY, ORCPT, delay flag). */
    static final byte VERSION_2 = 2;
    /** Records written before the origin was stored. */
    static final byte VERSION_1 = 1;

    private static final int FLAG_BODY_FILE = 1;
    private static final int FLAG_BOUNCED = 2;
    private static final int FLAG_DELAY_WARNED = 4;

    private MessageRecordFormat() {}

    static byte[] encode(StoredMessage stored) {
        QueuedMessage m = stored.message();
        Envelope e = m.envelope();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeByte((stored.inline() ? 0 : FLAG_BODY_FILE)
                    | (m.bounced() ? FLAG_BOUNCED : 0)
                    | (m.delayWarned() ? FLAG_DELAY_WARNED : 0));
            writeString(out, m.id().value());
            out.writeLong(m.size());
            out.writeInt(m.attempts());
            writeInstant(out, m.nextAttempt());
            writeString(out, e.sender().toString());
            out.writeInt(e.mailParameters().size());
            for (Map.Entry<String, String> p : e.mailParameters().entrySet()) {
                writeString(out, p.getKey());
                writeString(out, p.getValue());
            }
            writeInstant(out, e.receivedAt());
            writeString(out, e.clientAddress());
            writeString(out, e.heloName());
            writeString(out, e.listenerName());
            writeString(out, e.authenticatedUser());
            writeString(out, e.origin().kind().code());
            writeString(out, e.origin().identity());
            out.writeInt(m.recipients().size());
            for (RecipientStatus r : m.recipients()) {
                writeString(out, r.recipient().toString());
                out.writeByte(stateCode(r.state()));
                writeString(out, r.lastReply());
                writeString(out, r.remoteHost());
                DsnRequest dsn = e.dsnRequest(r.recipient());
                out.writeByte(notifyBits(dsn.notifyOn()));
                writeString(out, dsn.originalRecipient());
            }
            out.flush();
            CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot happen with an in-memory stream", ex);
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes a record stored under {@code key}.
     *
     * @throws CorruptRecordException with a one-line reason when the record is unreadable
     */
    static StoredMessage decode(String key, byte[] record) throws CorruptRecordException {
        int version = checkedVersion(record);
        Reader in = new Reader(record, record.length - 4);
        try {
            in.data.readByte();
            int flags = in.data.readByte();
            String idText = in.string();
            if (!idText.equals(key)) {
                throw new CorruptRecordException("record holds id " + idText + " under key " + key);
            }
            QueueId id = new QueueId(idText);
            long size = in.data.readLong();
            int attempts = in.data.readInt();
            Instant nextAttempt = in.instant();
            String senderText = in.string();
            MailAddress sender = senderText.isEmpty() ? MailAddress.NULL_SENDER : address(senderText);
            int paramCount = in.count();
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < paramCount; i++) {
                params.put(in.string(), in.string());
            }
            Instant receivedAt = in.instant();
            String client = in.string();
            String helo = in.string();
            String listener = in.string();
            String user = in.string();
            Origin origin = version == VERSION_1 ? null : origin(in.string(), in.string());
            int recipientCount = in.count();
            List<RecipientStatus> statuses = new ArrayList<>(recipientCount);
            List<MailAddress> recipients = new ArrayList<>(recipientCount);
            Map<MailAddress, DsnRequest> dsn = new LinkedHashMap<>();
            for (int i = 0; i < recipientCount; i++) {
                MailAddress rcpt = address(in.string());
                RecipientStatus.State state = state(in.data.readByte());
                statuses.add(new RecipientStatus(rcpt, state, in.string(), in.string()));
                recipients.add(rcpt);
                if (version >= VERSION) {
                    dsn.put(rcpt, dsnRequest(in.data.readByte(), in.string()));
                }
            }
            if (in.remaining() != 0) {
                throw new CorruptRecordException(in.remaining() + " unexpected bytes at the end of the record");
            }
            if (size < 0 || attempts < 0) {
                throw new CorruptRecordException("negative size or attempts");
            }
            Envelope envelope =
                    new Envelope(sender, recipients, params, receivedAt, client, helo, listener, user, origin, dsn);
            QueuedMessage message = new QueuedMessage(
                    id,
                    envelope,
                    statuses,
                    size,
                    attempts,
                    nextAttempt,
                    (flags & FLAG_BOUNCED) != 0,
                    (flags & FLAG_DELAY_WARNED) != 0);
            return new StoredMessage(message, (flags & FLAG_BODY_FILE) == 0);
        } catch (EOFException ex) {
            throw new CorruptRecordException("truncated record");
        } catch (IOException ex) {
            throw ex instanceof CorruptRecordException c ? c : new CorruptRecordException(ex.toString());
        } catch (IllegalArgumentException | DateTimeException ex) {
            // a QueueId, Envelope or Instant that refuses the decoded values
            throw new CorruptRecordException("invalid value: " + ex.getMessage());
        }
    }

    /** What the index keeps of a record (see {@link SpoolIndex#put(IndexFields)}). */
    record IndexFields(QueueId id, long next, long received, long size, boolean inline, List<String> pendingDomains) {}

    /** The record's format version, once its length, version and CRC are checked. */
    private static int checkedVersion(byte[] record) throws CorruptRecordException {
        if (record == null || record.length < 6) {
            throw new CorruptRecordException("record too short (" + (record == null ? 0 : record.length) + " bytes)");
        }
        int version = record[0];
        if (version != VERSION && version != VERSION_2 && version != VERSION_1) {
            throw new CorruptRecordException("unknown format version " + (record[0] & 0xff));
        }
        checkCrc(record);
        return version;
    }

    /**
     * Reads only what the index needs: checks version, checksum and id as {@link #decode} does, but
     * builds no envelope and parses no address (a recipient's domain is the text after its last
     * {@code @}, turned into a key by {@code domainKeys}). What opening a large spool costs.
     *
     * @throws CorruptRecordException with a one-line reason when the record is unreadable
     */
    static IndexFields decodeIndexFields(String key, byte[] record, Function<String, String> domainKeys)
            throws CorruptRecordException {
        int version = checkedVersion(record);
        Reader in = new Reader(record, record.length - 4);
        try {
            in.data.readByte();
            int flags = in.data.readByte();
            String idText = in.string();
            if (!idText.equals(key)) {
                throw new CorruptRecordException("record holds id " + idText + " under key " + key);
            }
            long size = in.data.readLong();
            int attempts = in.data.readInt();
            Instant next = in.instant();
            in.skipString(); // sender
            int paramCount = in.count();
            for (int i = 0; i < paramCount * 2; i++) {
                in.skipString();
            }
            Instant received = in.instant();
            int strings = version == VERSION_1 ? 4 : 6; // client, HELO, listener, user, origin kind and identity
            for (int i = 0; i < strings; i++) {
                in.skipString();
            }
            int recipientCount = in.count();
            List<String> pending = new ArrayList<>(1);
            for (int i = 0; i < recipientCount; i++) {
                String rcpt = in.string();
                RecipientStatus.State state = state(in.data.readByte());
                in.skipString();
                in.skipString();
                if (version >= VERSION) {
                    in.data.readByte();
                    in.skipString();
                }
                if (state == RecipientStatus.State.PENDING) {
                    pending.add(domainKeyOf(rcpt, domainKeys));
                }
            }
            if (in.remaining() != 0) {
                throw new CorruptRecordException(in.remaining() + " unexpected bytes at the end of the record");
            }
            if (size < 0 || attempts < 0) {
                throw new CorruptRecordException("negative size or attempts");
            }
            return new IndexFields(
                    new QueueId(idText),
                    next.toEpochMilli(),
                    received.toEpochMilli(),
                    size,
                    (flags & FLAG_BODY_FILE) == 0,
                    pending);
        } catch (EOFException ex) {
            throw new CorruptRecordException("truncated record");
        } catch (IOException ex) {
            throw ex instanceof CorruptRecordException c ? c : new CorruptRecordException(ex.toString());
        } catch (IllegalArgumentException | DateTimeException | ArithmeticException ex) {
            throw new CorruptRecordException("invalid value: " + ex.getMessage());
        }
    }

    /** The domain key {@link MailAddress#domainKey()} gives for the address {@code text}. */
    private static String domainKeyOf(String text, Function<String, String> domainKeys) throws CorruptRecordException {
        int at = text.lastIndexOf('@');
        return at < 0 ? address(text).domainKey() : domainKeys.apply(text.substring(at + 1));
    }

    /** As {@link MailAddress#domainKey()} computes it from the domain as written. */
    static String domainKey(String domain) {
        try {
            return DomainName.toAscii(domain);
        } catch (IllegalArgumentException e) {
            return domain.toLowerCase(Locale.ROOT);
        }
    }

    private static void checkCrc(byte[] record) throws CorruptRecordException {
        CRC32 crc = new CRC32();
        crc.update(record, 0, record.length - 4);
        int stored = ((record[record.length - 4] & 0xff) << 24)
                | ((record[record.length - 3] & 0xff) << 16)
                | ((record[record.length - 2] & 0xff) << 8)
                | (record[record.length - 1] & 0xff);
        if ((int) crc.getValue() != stored) {
            throw new CorruptRecordException("checksum mismatch (truncated or overwritten record)");
        }
    }

    private static MailAddress address(String text) throws CorruptRecordException {
        try {
            return MailAddress.parse(text);
        } catch (AddressSyntaxException ex) {
            throw new CorruptRecordException("unparsable address '" + text + "': " + ex.getMessage());
        }
    }

    private static Origin origin(String kind, String identity) throws CorruptRecordException {
        try {
            return new Origin(Origin.Kind.ofCode(kind), identity);
        } catch (IllegalArgumentException ex) {
            throw new CorruptRecordException("unknown origin '" + kind + "'");
        }
    }

    /** The NOTIFY keywords by bit, spelled out so that a reordered enum cannot change the format. */
    private static final List<Notify> NOTIFY_BITS = List.of(Notify.NEVER, Notify.SUCCESS, Notify.FAILURE, Notify.DELAY);

    private static int notifyBits(Set<Notify> notify) {
        int bits = 0;
        for (Notify n : notify) {
            bits |= 1 << NOTIFY_BITS.indexOf(n);
        }
        return bits;
    }

    private static DsnRequest dsnRequest(int bits, String orcpt) throws CorruptRecordException {
        Set<Notify> notify = EnumSet.noneOf(Notify.class);
        for (int i = 0; i < NOTIFY_BITS.size(); i++) {
            if ((bits & (1 << i)) != 0) {
                notify.add(NOTIFY_BITS.get(i));
            }
        }
        if ((bits & ~0xf) != 0) {
            throw new CorruptRecordException("unknown NOTIFY bits " + bits);
        }
        try {
            return new DsnRequest(notify, orcpt);
        } catch (IllegalArgumentException ex) {
            throw new CorruptRecordException("invalid DSN request: " + ex.getMessage());
        }
    }

    private static int stateCode(RecipientStatus.State state) {
        return switch (state) {
            case PENDING -> 0;
            case DELIVERED -> 1;
            case BOUNCED -> 2;
        };
    }

    private static RecipientStatus.State state(int code) throws CorruptRecordException {
        return switch (code) {
            case 0 -> RecipientStatus.State.PENDING;
            case 1 -> RecipientStatus.State.DELIVERED;
            case 2 -> RecipientStatus.State.BOUNCED;
            default -> throw new CorruptRecordException("unknown recipient state " + code);
        };
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
    }

    /** Reads the body of a record (without its checksum), refusing lengths larger than what is left. */
    private static final class Reader {
        final DataInputStream data;
        private final ByteArrayInputStream source;

        Reader(byte[] record, int length) {
            source = new ByteArrayInputStream(record, 0, length);
            data = new DataInputStream(source);
        }

        int remaining() {
            return source.available();
        }

        int count() throws IOException {
            int n = data.readInt();
            if (n < 0 || n > remaining()) {
                throw new CorruptRecordException("impossible count " + n);
            }
            return n;
        }

        String string() throws IOException {
            int n = count();
            byte[] b = new byte[n];
            data.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        }

        void skipString() throws IOException {
            int n = count();
            data.skipNBytes(n);
        }

        Instant instant() throws IOException {
            long seconds = data.readLong();
            int nanos = data.readInt();
            return Instant.ofEpochSecond(seconds, nanos);
        }
    }
}
