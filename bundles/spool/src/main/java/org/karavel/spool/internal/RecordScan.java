package org.karavel.spool.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.karavel.api.maillog.MailLogLine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The opening's full scan: every record's index fields, one at a time (only the index's compact
 * entries stay in the heap; no content is read). What a crash, or a clean close without a usable
 * {@link IndexSnapshot}, costs at the next opening.
 */
final class RecordScan {
    private static final Logger LOG = LoggerFactory.getLogger(DurableSpool.class);
    private static final Logger MAIL_LOG = LoggerFactory.getLogger("karavel.mail");

    /** A record that could not be read, for the quarantine. */
    record Bad(String key, byte[] record, String reason) {}

    /** The entries of the readable records (in the store's order), the unreadable ones, and how many were read. */
    record Result(List<SpoolEntry> entries, List<Bad> bad, long recordsRead) {}

    private RecordScan() {}

    static Result run(SpoolStore store, SpoolIndex index) {
        List<Bad> bad = new ArrayList<>();
        Map<String, String> domainKeys = new HashMap<>();
        Function<String, String> keyOf = domain -> {
            if (domainKeys.size() > 100_000) {
                domainKeys.clear();
            }
            return domainKeys.computeIfAbsent(domain, MessageRecordFormat::domainKey);
        };
        List<SpoolEntry> loaded = new ArrayList<>();
        long read = 0;
        for (Map.Entry<String, byte[]> e : store.messages().entrySet()) {
            String key = e.getKey();
            read++;
            try {
                loaded.add(index.entryOf(MessageRecordFormat.decodeIndexFields(key, e.getValue(), keyOf)));
            } catch (CorruptRecordException ex) {
                bad.add(new Bad(key, e.getValue(), ex.getMessage()));
            }
        }
        return new Result(loaded, bad, read);
    }

    /**
     * Moves the unreadable records (and their contents) to the quarantine and commits once; what
     * was quarantined.
     */
    static List<DurableSpool.QuarantinedRecord> quarantine(
            List<Bad> bad, SpoolStore store, BodyFiles bodies, Instant now) throws IOException {
        List<DurableSpool.QuarantinedRecord> moved = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Bad b : bad) {
            // move the body first: should we crash before the commit, the record is quarantined again
            boolean movedBody = bodies.moveToQuarantine(b.key());
            byte[] inline = store.contents().remove(b.key());
            String qkey = b.key();
            int n = seen.merge(qkey, 1, Integer::sum);
            if (store.quarantine().containsKey(qkey) || n > 1) {
                qkey = qkey + "." + now.toEpochMilli() + "." + n;
            }
            store.quarantine().put(qkey, QuarantineFormat.encode(b.reason(), now, b.record(), inline));
            store.messages().remove(b.key());
            moved.add(new DurableSpool.QuarantinedRecord(b.key(), b.reason()));
            LOG.error(
                    "spool record {} quarantined: {}{}",
                    b.key(),
                    b.reason(),
                    movedBody ? " (body file moved to " + bodies.quarantineDirectory() + ")" : "");
            MAIL_LOG.error(MailLogLine.quarantined(b.key(), b.reason()));
        }
        if (!bad.isEmpty()) {
            store.commit();
        }
        return moved;
    }
}
