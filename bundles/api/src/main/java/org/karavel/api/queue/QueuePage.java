package org.karavel.api.queue;

import java.util.List;
import java.util.Objects;

/**
 * One page of the queue, oldest first, for listings that must not read a million records.
 *
 * @param messages the page's messages, oldest first
 * @param total how many messages the listing holds in all (every page, the filter applied)
 * @param next the cursor of the following page (the last id of this one), or null when this page is the last
 * @since 1.6
 */
public record QueuePage(List<QueuedMessage> messages, int total, QueueId next) {
    public QueuePage {
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
    }
}
