package org.karavel.api.greylist;

import java.time.Instant;
import java.util.Objects;

/**
 * One greylist triplet.
 *
 * @param clientNetwork the client network, e.g. {@code 192.0.2.0/24} or {@code 2001:db8:1:2::/64}
 * @param sender the normalised envelope sender ({@code <>} for the null sender)
 * @param recipient the recipient in lower case
 * @param firstSeen when the triplet was first seen (in its current retry window)
 * @param lastSeen when it was last seen
 * @param passed whether a retry came after the delay, so that its mail now passes
 */
public record GreylistEntry(
        String clientNetwork, String sender, String recipient, Instant firstSeen, Instant lastSeen, boolean passed) {
    public GreylistEntry {
        Objects.requireNonNull(clientNetwork, "clientNetwork");
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(firstSeen, "firstSeen");
        Objects.requireNonNull(lastSeen, "lastSeen");
    }
}
