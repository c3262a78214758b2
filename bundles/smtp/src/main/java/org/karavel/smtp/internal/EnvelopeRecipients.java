package org.karavel.smtp.internal;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.DsnRequest;
import org.karavel.api.recipient.Expansion;
import org.karavel.api.recipient.RecipientExpansion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recipients as the spool gets them: each expanded through the virtual alias map before the
 * message is queued (Postfix's cleanup does it there too), duplicates dropped. The filters and the
 * Received header saw the addresses the client gave.
 */
final class EnvelopeRecipients {
    private static final Logger LOG = LoggerFactory.getLogger(EnvelopeRecipients.class);

    private EnvelopeRecipients() {}

    /**
     * @param expansion the alias map now; null while none is registered (the recipients stay as given)
     * @return the recipients to queue, or null (after a WARN naming the problem) when one cannot be
     *     expanded: answered with {@link Replies#EXPANSION_ERROR}, Postfix's answer, so the client keeps
     *     the message and retries
     */
    static List<MailAddress> expand(RecipientExpansion expansion, List<MailAddress> given, Object queueId) {
        return expand(expansion, given, queueId, Map.of(), new HashMap<>());
    }

    /**
     * As above, and each queued recipient's DSN request (NOTIFY, ORCPT) put into {@code queuedDsn}:
     * that of the recipient given that it came from (the first one, when two expand to it).
     */
    static List<MailAddress> expand(
            RecipientExpansion expansion,
            List<MailAddress> given,
            Object queueId,
            Map<MailAddress, DsnRequest> givenDsn,
            Map<MailAddress, DsnRequest> queuedDsn) {
        if (expansion == null) {
            for (MailAddress r : given) {
                queuedDsn.putIfAbsent(r, givenDsn.getOrDefault(r, DsnRequest.NONE));
            }
            return List.copyOf(given);
        }
        Set<MailAddress> out = new LinkedHashSet<>();
        for (MailAddress r : given) {
            Expansion e = expansion.expand(r);
            if (e.kind() == Expansion.Kind.FAILED) {
                LOG.warn("{}: <{}>: {}; message not accepted, the client will retry", queueId, r, e.problem());
                return null;
            }
            out.addAll(e.recipients());
            for (MailAddress x : e.recipients()) {
                queuedDsn.putIfAbsent(x, givenDsn.getOrDefault(r, DsnRequest.NONE));
            }
        }
        return List.copyOf(out);
    }
}
