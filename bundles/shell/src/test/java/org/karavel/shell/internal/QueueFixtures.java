package org.karavel.shell.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.RecipientStatus;

/** Queued messages for tests. */
final class QueueFixtures {
    private QueueFixtures() {}

    static MailAddress address(String text) {
        try {
            return text.isEmpty() ? MailAddress.NULL_SENDER : MailAddress.parse(text);
        } catch (AddressSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A message with pending recipients, never tried. */
    static QueuedMessage message(String id, String sender, Instant received, long size, String... recipients) {
        List<MailAddress> rcpts = new ArrayList<>();
        List<RecipientStatus> states = new ArrayList<>();
        for (String r : recipients) {
            rcpts.add(address(r));
            states.add(RecipientStatus.pending(address(r)));
        }
        Envelope envelope =
                new Envelope(address(sender), rcpts, Map.of(), received, "192.0.2.1", "client.example", "mx", "");
        return new QueuedMessage(new QueueId(id), envelope, states, size, 0, received, false);
    }
}
