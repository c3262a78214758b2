package org.karavel.api.queue;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the client asked for one recipient with the RFC 3461 DSN extension: the RCPT parameters
 * NOTIFY and ORCPT. The message-wide ones (RET, ENVID) are MAIL parameters and stay in {@link
 * Envelope#mailParameters()} (ENVID decoded from xtext).
 *
 * @param notifyOn the NOTIFY keywords; empty when NOTIFY was not given (then the MTA decides: Karavel,
 *     as Postfix, treats it as {@code FAILURE,DELAY}); {@link Notify#NEVER} only alone
 * @param originalRecipient the ORCPT as {@code addr-type;address}, the address decoded from xtext
 *     (e.g. {@code rfc822;bob@example.com}); empty when not given
 */
public record DsnRequest(Set<Notify> notifyOn, String originalRecipient) {
    /** No DSN parameter given for the recipient. */
    public static final DsnRequest NONE = new DsnRequest(Set.of(), "");

    /** The NOTIFY keywords of RFC 3461 §4.1. */
    public enum Notify {
        NEVER,
        SUCCESS,
        FAILURE,
        DELAY
    }

    public DsnRequest {
        notifyOn = notifyOn == null || notifyOn.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(notifyOn));
        if (notifyOn.contains(Notify.NEVER) && notifyOn.size() > 1) {
            throw new IllegalArgumentException("NOTIFY=NEVER cannot be combined with other keywords");
        }
        originalRecipient = originalRecipient == null ? "" : originalRecipient;
        int semicolon = originalRecipient.indexOf(';');
        if (!originalRecipient.isEmpty() && semicolon <= 0) {
            throw new IllegalArgumentException("ORCPT must be addr-type;address: " + originalRecipient);
        }
    }

    /** Whether this says nothing (no NOTIFY, no ORCPT). */
    public boolean isNone() {
        return notifyOn.isEmpty() && originalRecipient.isEmpty();
    }

    /** Whether NOTIFY was given at all. */
    public boolean notifyGiven() {
        return !notifyOn.isEmpty();
    }

    /** A failure DSN is wanted: NOTIFY absent or with FAILURE. */
    public boolean wantsFailure() {
        return notifyOn.isEmpty() || notifyOn.contains(Notify.FAILURE);
    }

    /** A delay DSN is wanted: NOTIFY absent (Postfix's default) or with DELAY. */
    public boolean wantsDelay() {
        return notifyOn.isEmpty() || notifyOn.contains(Notify.DELAY);
    }

    /** A success DSN is wanted: only when asked for with NOTIFY=SUCCESS. */
    public boolean wantsSuccess() {
        return notifyOn.contains(Notify.SUCCESS);
    }

    /** NOTIFY=NEVER. */
    public boolean never() {
        return notifyOn.contains(Notify.NEVER);
    }

    /** The address type of ORCPT, lower case ({@code rfc822}, {@code utf-8}); empty without ORCPT. */
    public String originalRecipientType() {
        int semicolon = originalRecipient.indexOf(';');
        return semicolon < 0 ? "" : originalRecipient.substring(0, semicolon).toLowerCase(Locale.ROOT);
    }

    /** The address of ORCPT, decoded; empty without ORCPT. */
    public String originalRecipientAddress() {
        int semicolon = originalRecipient.indexOf(';');
        return semicolon < 0 ? "" : originalRecipient.substring(semicolon + 1);
    }

    /** NOTIFY's value as sent in RCPT ({@code SUCCESS,DELAY}, in RFC order); empty when not given. */
    public String notifyValue() {
        return notifyOn.stream().sorted().map(Notify::name).collect(Collectors.joining(","));
    }

    /** A request with only NOTIFY. */
    public static DsnRequest ofNotify(Set<Notify> keywords) {
        return new DsnRequest(keywords, "");
    }

    @Override
    public String toString() {
        return "DsnRequest[notifyOn=" + notifyValue() + ", orcpt=" + Objects.toString(originalRecipient) + "]";
    }
}
