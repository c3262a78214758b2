package org.karavel.spool.internal;

import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.QueuedMessage;

/**
 * A queued message as the spool keeps it: the API view plus where its content lives.
 *
 * @param message the envelope and delivery state
 * @param inline true when the content is in MapDB, false when it is in {@code bodies/<id>}
 */
record StoredMessage(QueuedMessage message, boolean inline) {
    QueueId id() {
        return message.id();
    }

    long size() {
        return message.size();
    }
}
