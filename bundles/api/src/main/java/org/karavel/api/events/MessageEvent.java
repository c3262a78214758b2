package org.karavel.api.events;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.QueueId;

/**
 * One thing that happened to a message or one of its recipients, as webhooks and the JSON event
 * log carry it. Fields that do not apply are empty strings (or an empty list), never null.
 *
 * @param id unique (a random UUID): receivers deduplicate by it, delivery being at-least-once
 * @param type what happened
 * @param at when
 * @param queueId the message's queue id; empty for a refusal before queueing (suppressed)
 * @param sender the envelope sender, {@code ""} for the null sender
 * @param recipients the recipients the event is about (all of them for {@code received}, one
 *     otherwise)
 * @param listener the listener that received the message ({@code local} for mail Karavel made,
 *     {@code api} for the injection API)
 * @param clientAddress the submitting client's IP address
 * @param authenticatedUser the SMTP AUTH identity or API user
 * @param remoteHost the next hop that answered, {@code host[ip]:port}
 * @param reply the remote reply or the error, as logged
 * @param category the bounce category of a failure ({@code invalid_recipient}, …)
 * @param attempts delivery attempts so far (0 when not applicable)
 * @param envid the client's DSN {@code ENVID}
 * @param orcpt the client's DSN {@code ORCPT} for the recipient
 */
public record MessageEvent(
        String id,
        Type type,
        Instant at,
        String queueId,
        String sender,
        List<String> recipients,
        String listener,
        String clientAddress,
        String authenticatedUser,
        String remoteHost,
        String reply,
        String category,
        int attempts,
        String envid,
        String orcpt) {

    /** The kinds of event; {@link #word()} is the JSON {@code type}. */
    public enum Type {
        RECEIVED,
        DELIVERED,
        DEFERRED,
        BOUNCED,
        SUPPRESSED,
        EXPIRED,
        DSN_SENT,
        TLS_FAILURE;

        /** {@code received}, {@code dsn_sent}, … */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public MessageEvent {
        id = id == null || id.isEmpty() ? UUID.randomUUID().toString() : id;
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(at, "at");
        queueId = nz(queueId);
        sender = nz(sender);
        recipients = recipients == null ? List.of() : List.copyOf(recipients);
        listener = nz(listener);
        clientAddress = nz(clientAddress);
        authenticatedUser = nz(authenticatedUser);
        remoteHost = nz(remoteHost);
        reply = nz(reply);
        category = nz(category);
        envid = nz(envid);
        orcpt = nz(orcpt);
    }

    /** A new event of {@code type} at {@code at} with a fresh id; the rest filled in with the withers. */
    public static MessageEvent of(Type type, Instant at, String queueId) {
        return new MessageEvent(null, type, at, queueId, "", List.of(), "", "", "", "", "", "", 0, "", "");
    }

    /**
     * The {@code received} event of a message just queued, with every recipient of its envelope and
     * the client's ENVID.
     */
    public static MessageEvent received(QueueId id, Envelope envelope, Instant at) {
        return of(Type.RECEIVED, at, id.toString())
                .withEnvelope(
                        envelope.sender().toString(),
                        envelope.recipients().stream()
                                .map(MailAddress::toString)
                                .toList(),
                        envelope.listenerName(),
                        envelope.clientAddress(),
                        envelope.authenticatedUser())
                .withDsn(envelope.mailParameters().getOrDefault("ENVID", ""), "");
    }

    public MessageEvent withEnvelope(
            String sender, List<String> recipients, String listener, String client, String user) {
        return new MessageEvent(
                id,
                type,
                at,
                queueId,
                sender,
                recipients,
                listener,
                client,
                user,
                remoteHost,
                reply,
                category,
                attempts,
                envid,
                orcpt);
    }

    public MessageEvent withOutcome(String remoteHost, String reply, String category, int attempts) {
        return new MessageEvent(
                id,
                type,
                at,
                queueId,
                sender,
                recipients,
                listener,
                clientAddress,
                authenticatedUser,
                remoteHost,
                reply,
                category,
                attempts,
                envid,
                orcpt);
    }

    public MessageEvent withDsn(String envid, String orcpt) {
        return new MessageEvent(
                id,
                type,
                at,
                queueId,
                sender,
                recipients,
                listener,
                clientAddress,
                authenticatedUser,
                remoteHost,
                reply,
                category,
                attempts,
                envid,
                orcpt);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
