package org.karavel.greylist.internal;

import java.util.Locale;

/** Why a RCPT was not greylisted: the {@code reason} label of karavel_greylist_passed_total. */
enum PassReason {
    /** The triplet was retried after the delay (now or earlier). */
    RETRY,
    /** The client network is auto-whitelisted or allowed by an operator. */
    WHITELIST,
    /** pass_clients, pass_sender_domains, pass_recipients or postmaster. */
    PASS_LIST,
    /** The session authenticated. */
    AUTHENTICATED,
    /** The client is one of the relay policy's relay_hosts (the operator's own hosts). */
    RELAY_HOST,
    /** The shared greylist (Redis) failed or was too slow: greylisting fails open. */
    FAIL_OPEN;

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
