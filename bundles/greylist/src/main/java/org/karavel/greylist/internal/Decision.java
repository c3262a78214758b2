package org.karavel.greylist.internal;

/**
 * The greylist's answer for one RCPT: pass (with its reason) or defer for {@code retryInSeconds}.
 */
record Decision(PassReason reason, long retryInSeconds) {
    static Decision pass(PassReason reason) {
        return new Decision(reason, 0);
    }

    static Decision defer(long retryInSeconds) {
        return new Decision(null, retryInSeconds);
    }

    boolean deferred() {
        return reason == null;
    }
}
