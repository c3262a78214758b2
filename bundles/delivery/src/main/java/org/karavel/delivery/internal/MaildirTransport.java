package org.karavel.delivery.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.karavel.api.address.MailAddress;
import org.karavel.api.maillog.MailLogLine;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;
import org.karavel.delivery.internal.RecipientResult.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes mail into {@code <root>/<domain>/<local part>/} Maildirs, the embedded local delivery: the
 * file goes to tmp/, is fsynced, renamed into new/, and new/ is fsynced. An address never chooses a
 * path outside the root: quoted local parts and ones with '/', NUL, a leading dot or ".." bounce.
 */
final class MaildirTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(MaildirTransport.class);
    private static final AtomicLong DELIVERIES = new AtomicLong();

    private final DeliverySettings settings;
    private final Spool spool;
    private final Clock clock;
    private final Path root;
    private final String hostPart;
    private final long pid = ProcessHandle.current().pid();

    MaildirTransport(DeliverySettings settings, Spool spool, Clock clock) {
        this.settings = settings;
        this.spool = spool;
        this.clock = clock;
        this.root = settings.maildirRoot().toAbsolutePath().normalize();
        // Maildir names escape '/' and ':' in the host part; ',' too, since ",S=" follows
        this.hostPart =
                settings.heloName().replace("/", "\\057").replace(":", "\\072").replace(",", "\\054");
    }

    @Override
    public Session open(Destination destination) {
        return new Session() {
            @Override
            public List<RecipientResult> deliver(DeliveryJob job) {
                List<RecipientResult> results = new ArrayList<>();
                for (int i : job.indexes()) {
                    results.add(deliverOne(job.message(), i, job.recipient(i)));
                }
                return results;
            }

            @Override
            public boolean isReusable() {
                return true;
            }

            @Override
            public void close() {
                // nothing is held open between deliveries
            }
        };
    }

    /** The Maildir of a recipient, or null when the address could choose an unsafe path. */
    Path mailbox(MailAddress recipient) {
        if (recipient.isQuoted()) {
            return null;
        }
        String local = recipient.localPart();
        String delimiters = settings.recipientDelimiter();
        for (int i = 0; i < local.length() && !delimiters.isEmpty(); i++) {
            if (delimiters.indexOf(local.charAt(i)) >= 0) {
                local = local.substring(0, i);
                break;
            }
        }
        local = local.toLowerCase(Locale.ROOT);
        String domain = recipient.domainKey();
        if (!safeName(local) || !safeName(domain)) {
            return null;
        }
        Path box = root.resolve(domain).resolve(local).normalize();
        if (!box.startsWith(root) || !root.equals(box.getParent().getParent())) {
            return null;
        }
        return box;
    }

    private static boolean safeName(String s) {
        if (s.isEmpty() || s.startsWith(".") || s.contains("..") || s.length() > 255) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private RecipientResult deliverOne(QueuedMessage m, int index, MailAddress recipient) {
        Path box = mailbox(recipient);
        if (box == null) {
            return new RecipientResult(
                    index,
                    recipient,
                    Outcome.BOUNCED,
                    "5.1.3",
                    "550 5.1.3 Bad destination mailbox address syntax: unsafe local part for Maildir delivery",
                    "",
                    MailLogLine.RELAY_LOCAL,
                    clock.instant());
        }
        try {
            String name = write(m, recipient, box);
            LOG.debug(
                    "{}: {} written to {}",
                    m.id(),
                    recipient,
                    box.resolve("new").resolve(name));
            return new RecipientResult(
                    index,
                    recipient,
                    Outcome.DELIVERED,
                    "2.0.0",
                    "delivered to maildir",
                    "",
                    MailLogLine.RELAY_LOCAL,
                    clock.instant());
        } catch (IOException | RuntimeException e) {
            return new RecipientResult(
                    index,
                    recipient,
                    Outcome.DEFERRED,
                    "4.3.0",
                    "451 4.3.0 cannot write to maildir " + root.relativize(box) + ": " + e,
                    "",
                    MailLogLine.RELAY_LOCAL,
                    clock.instant());
        }
    }

    private String write(QueuedMessage m, MailAddress recipient, Path box) throws IOException {
        Path tmp = box.resolve("tmp");
        Path fresh = box.resolve("new");
        for (Path d : new Path[] {tmp, fresh, box.resolve("cur")}) {
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                createDirectories(d);
            }
        }
        byte[] prefix = ("Return-Path: " + m.envelope().sender().toPath() + "\r\nDelivered-To: " + recipient + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
        Instant now = clock.instant();
        String base = now.getEpochSecond() + ".M" + (now.getNano() / 1000) + "P" + pid + "Q" + m.id() + "_"
                + DELIVERIES.incrementAndGet() + "." + hostPart;
        long expected = prefix.length + m.size();
        Path file = tmp.resolve(base + ",S=" + expected);
        long written = 0;
        try {
            try (FileChannel ch = createFile(file);
                    InputStream in = spool.openContent(m.id())) {
                written += writeFully(ch, ByteBuffer.wrap(prefix));
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    written += writeFully(ch, ByteBuffer.wrap(buf, 0, n));
                }
                ch.force(true);
            }
            if (written != expected) {
                // the recorded size was off: the name must still tell the true size
                Path renamed = tmp.resolve(base + ",S=" + written);
                Files.move(file, renamed, StandardCopyOption.ATOMIC_MOVE);
                file = renamed;
            }
            Path target = fresh.resolve(file.getFileName());
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(target.toString());
            }
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        fsyncDirectory(fresh);
        return file.getFileName().toString();
    }

    private static long writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        long n = b.remaining();
        while (b.hasRemaining()) {
            ch.write(b);
        }
        return n;
    }

    /** A new file only its owner can read; fails when the name exists (or is a link). */
    private static FileChannel createFile(Path file) throws IOException {
        Set<OpenOption> options =
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try {
            return FileChannel.open(
                    file, options, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            return FileChannel.open(file, options);
        }
    }

    private static void createDirectories(Path dir) throws IOException {
        try {
            FileAttribute<?> owner = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(dir, owner);
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(dir);
        }
    }

    /** Makes the rename durable. Some file systems cannot open a directory; then the rename stands alone. */
    private static void fsyncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            LOG.debug("cannot fsync directory {}: {}", dir, e.toString());
        }
    }
}
