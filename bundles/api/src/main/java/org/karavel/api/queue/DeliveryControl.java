package org.karavel.api.queue;

import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * What an operator may tell the delivery scheduler, from the shell or the admin API. The delivery
 * bundle publishes it.
 */
public interface DeliveryControl {
    /**
     * Bounces every pending recipient of a message now, with {@code reason} in the delivery status
     * notification sent to the sender (none for a null sender), then removes the message. Completes
     * with false when there is no such message.
     */
    CompletionStage<Boolean> bounce(QueueId id, String reason);

    /**
     * Makes every message with a pending recipient at {@code domain} due now (a suspended domain
     * stays suspended). Returns how many messages that was.
     */
    int flushDomain(String domain);

    /** Stops delivery to a domain (matched exactly, case-insensitive) until it is resumed. */
    void suspend(String domain);

    /** Resumes delivery to a domain; false if it was not suspended. */
    boolean resume(String domain);

    /** The domains whose delivery is suspended, lower case. */
    Set<String> suspendedDomains();

    /**
     * The bounce category of a recipient's last failure ({@code invalid_recipient}, {@code
     * rate_limited}, ...), as delivery's rules give it now; empty when the recipient has not failed
     * (delivered, or not tried yet) or the delivery bundle does not classify.
     *
     * @since 1.3
     */
    default String failureCategory(RecipientStatus recipient) {
        return "";
    }

    /**
     * The traffic-shaping site of a recipient domain as delivery last learnt it from the domain's MX
     * hosts (a shaping rule's name, or the domain itself); empty when not known yet or not shaped.
     *
     * @since 1.4
     */
    default String siteOf(String domain) {
        return "";
    }
}
