package org.karavel.api.queue;

import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.karavel.api.address.MailAddress;

/**
 * The envelope of a received message: who sent it, to whom, and from where.
 *
 * @param sender the reverse-path; {@link MailAddress#NULL_SENDER} for bounces
 * @param recipients the accepted recipients, in order, at least one
 * @param mailParameters MAIL FROM parameters that matter downstream (BODY, SMTPUTF8, RET, ENVID), upper-case keys;
 *     RET's value upper case, ENVID's decoded from xtext
 * @param receivedAt when the message was accepted
 * @param clientAddress the client's IP address as text (empty for locally generated mail)
 * @param heloName the HELO/EHLO name given by the client (empty for locally generated mail)
 * @param listenerName the listener that received it, or {@code local} for mail Karavel made itself
 * @param authenticatedUser the SMTP AUTH identity, or empty
 * @param origin how the message entered (decides whether our DKIM keys sign it); null:
 *     {@link Origin#inferred inferred} from the listener name and the authenticated user
 * @param dsnRequests the RFC 3461 RCPT parameters (NOTIFY, ORCPT) per recipient; a recipient without
 *     an entry gave none ({@link DsnRequest#NONE}); null or empty for none at all. Keyed by recipient
 *     rather than a list beside {@code recipients} so that the constructors from before DSN stay valid.
 */
public record Envelope(
        MailAddress sender,
        List<MailAddress> recipients,
        Map<String, String> mailParameters,
        Instant receivedAt,
        String clientAddress,
        String heloName,
        String listenerName,
        String authenticatedUser,
        Origin origin,
        Map<MailAddress, DsnRequest> dsnRequests) {

    public Envelope {
        Objects.requireNonNull(sender, "sender");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an envelope needs at least one recipient");
        }
        mailParameters = Map.copyOf(mailParameters);
        Objects.requireNonNull(receivedAt, "receivedAt");
        clientAddress = clientAddress == null ? "" : clientAddress;
        heloName = heloName == null ? "" : heloName;
        listenerName = listenerName == null ? "" : listenerName;
        authenticatedUser = authenticatedUser == null ? "" : authenticatedUser;
        origin = origin == null ? Origin.inferred(listenerName, authenticatedUser) : origin;
        Map<MailAddress, DsnRequest> requests = new LinkedHashMap<>();
        if (dsnRequests != null && !dsnRequests.isEmpty()) {
            Set<MailAddress> known = new HashSet<>(recipients);
            for (Map.Entry<MailAddress, DsnRequest> e : dsnRequests.entrySet()) {
                // NONE is the default: leaving it out keeps equal envelopes equal
                if (e.getValue() != null && !e.getValue().isNone() && known.contains(e.getKey())) {
                    requests.put(e.getKey(), e.getValue());
                }
            }
        }
        dsnRequests = Map.copyOf(requests);
    }

    /** An envelope without DSN requests (callers from before DSN). */
    public Envelope(
            MailAddress sender,
            List<MailAddress> recipients,
            Map<String, String> mailParameters,
            Instant receivedAt,
            String clientAddress,
            String heloName,
            String listenerName,
            String authenticatedUser,
            Origin origin) {
        this(
                sender,
                recipients,
                mailParameters,
                receivedAt,
                clientAddress,
                heloName,
                listenerName,
                authenticatedUser,
                origin,
                null);
    }

    /** What the client asked for this recipient with NOTIFY and ORCPT; {@link DsnRequest#NONE} when nothing. */
    public DsnRequest dsnRequest(MailAddress recipient) {
        return dsnRequests.getOrDefault(recipient, DsnRequest.NONE);
    }

    /** RET of MAIL ({@code FULL} or {@code HDRS}), empty when not given. */
    public String dsnReturn() {
        return mailParameters.getOrDefault("RET", "");
    }

    /** ENVID of MAIL, decoded from xtext; empty when not given. */
    public String envelopeId() {
        return mailParameters.getOrDefault("ENVID", "");
    }

    /** An envelope whose origin is {@link Origin#inferred inferred} (callers from before origins were recorded). */
    public Envelope(
            MailAddress sender,
            List<MailAddress> recipients,
            Map<String, String> mailParameters,
            Instant receivedAt,
            String clientAddress,
            String heloName,
            String listenerName,
            String authenticatedUser) {
        this(
                sender,
                recipients,
                mailParameters,
                receivedAt,
                clientAddress,
                heloName,
                listenerName,
                authenticatedUser,
                null);
    }
}
