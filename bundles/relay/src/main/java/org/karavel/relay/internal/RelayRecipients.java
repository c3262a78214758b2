package org.karavel.relay.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recipients a relay domain has (Postfix relay_recipient_maps), for a backup MX or a gateway in
 * front of Exchange: one address ({@code user@domain}) or {@code @domain} (every address of it) per
 * line, anything after the address ignored (so a Postfix map source can be used as is), {@code #}
 * comments. A recipient of a relay domain that is not listed is refused at RCPT, so the gateway never
 * accepts mail the inner server would bounce. Re-read when the file changes; a file that cannot be read
 * keeps the list read before, and with none at all every relay recipient waits (4xx).
 */
final class RelayRecipients {
    private static final Logger LOG = LoggerFactory.getLogger(RelayRecipients.class);
    /** The extension delimiter Postfix strips before the second lookup ({@code user+tag@} → {@code user@}). */
    private static final char DELIMITER = '+';

    private record FileStamp(boolean exists, long modified, long size, Object fileKey) {}

    private final Path file;
    private volatile Set<String> listed;
    private FileStamp stamp;

    RelayRecipients(Path file) {
        this.file = file;
        reloadIfChanged();
    }

    Path file() {
        return file;
    }

    /** Re-reads the file when its modification time, size or identity changed. Called by a poller. */
    synchronized void reloadIfChanged() {
        FileStamp now = stamp();
        if (now.equals(stamp)) {
            return;
        }
        if (!now.exists()) {
            LOG.error(
                    "org.karavel.relay: relay_recipients_file {} does not exist: relay domain recipients get 451 4.3.0",
                    file);
            listed = null;
            stamp = now;
            return;
        }
        try {
            listed = parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
            stamp = now;
            LOG.info("{}: {} relay recipients", file, listed.size());
        } catch (IOException e) {
            LOG.error(
                    "{} could not be read ({}); {}",
                    file,
                    e.toString(),
                    listed == null ? "relay domain recipients get 451 4.3.0" : "keeping the list read before");
        }
    }

    private FileStamp stamp() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileStamp(true, a.lastModifiedTime().toMillis(), a.size(), a.fileKey());
        } catch (NoSuchFileException e) {
            return new FileStamp(false, 0, 0, null);
        } catch (IOException e) {
            return new FileStamp(true, -1, -1, null);
        }
    }

    static Set<String> parse(List<String> lines, String fileName) {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String entry = line.split("\\s+", 2)[0];
            String key = key(entry);
            if (key == null) {
                LOG.warn("{} line {}: neither user@domain nor @domain, skipped", fileName, i + 1);
            } else {
                keys.add(key);
            }
        }
        return Set.copyOf(keys);
    }

    /** {@code local@domain} or {@code @domain}, local part in lower case, domain canonical; null otherwise. */
    private static String key(String entry) {
        int at = entry.lastIndexOf('@');
        if (at < 0) {
            return null;
        }
        String domain = DomainSet.canonical(entry.substring(at + 1));
        return domain == null ? null : entry.substring(0, at).toLowerCase(Locale.ROOT) + "@" + domain;
    }

    /** The verdict for a recipient of a relay domain: no opinion when listed. */
    Verdict check(MailAddress recipient) {
        Set<String> keys = listed;
        if (keys == null) {
            return Verdict.defer(451, "4.3.0", "<" + recipient + ">: Temporary lookup failure");
        }
        String domain = DomainSet.canonical(recipient.domain());
        String local = recipient.localPart().toLowerCase(Locale.ROOT);
        int cut = recipient.isQuoted() ? -1 : local.indexOf(DELIMITER);
        if (domain != null
                && (keys.contains(local + "@" + domain)
                        || keys.contains("@" + domain)
                        || cut > 0 && keys.contains(local.substring(0, cut) + "@" + domain))) {
            return Verdict.noOpinion();
        }
        return Verdict.reject(
                550, "5.1.1", "<" + recipient + ">: Recipient address rejected: User unknown in relay recipient table");
    }
}
