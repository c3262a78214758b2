package org.karavel.relay.internal;

import java.util.Locale;
import java.util.concurrent.CompletionStage;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.karavel.api.recipient.Expansion;
import org.karavel.api.recipient.RecipientExpansion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a recipient of a local domain exists, decided at RCPT so that mail for nobody is refused
 * there and never accepted and then bounced (backscatter). {@code users}: a user of the passwd-file
 * or an alias (Postfix local_recipient_maps + virtual_alias_maps); {@code lmtp}: an alias, or what
 * the LMTP server answers to a probe (Postfix reject_unverified_recipient); {@code any}: every local
 * part, as before there were users.
 */
final class LocalRecipients {
    private static final Logger LOG = LoggerFactory.getLogger(LocalRecipients.class);

    enum Mode {
        USERS,
        LMTP,
        ANY;

        /** The mode of a {@code local_recipients} value; null when it is none of them. */
        static Mode parse(String value) {
            try {
                return Mode.valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                return null;
            }
        }
    }

    /** The LMTP server's say on one address, asynchronously (never on the caller's thread). */
    interface Verifier {
        CompletionStage<Verdict> verify(MailAddress recipient);
    }

    private final Mode mode;
    private final Verifier verifier;

    /** @param verifier asked in {@code lmtp} mode; may be null otherwise */
    LocalRecipients(Mode mode, Verifier verifier) {
        this.mode = mode;
        this.verifier = verifier;
    }

    Mode mode() {
        return mode;
    }

    static Verdict unknown(MailAddress recipient) {
        return Verdict.reject(
                550, "5.1.1", "<" + recipient + ">: Recipient address rejected: User unknown in local recipient table");
    }

    /**
     * The verdict for a recipient of a local domain.
     *
     * @param expansion the user store and aliases now; null while the auth bundle is not running
     */
    CompletionStage<Verdict> check(MailAddress recipient, RecipientExpansion expansion) {
        if (mode == Mode.ANY || recipient.localPart().toLowerCase(Locale.ROOT).equals("postmaster")) {
            // RFC 5321 §4.5.1: postmaster of every domain we receive for must be accepted
            return Verdict.noOpinion().stage();
        }
        if (expansion == null) {
            // Postfix's answer when local_recipient_maps cannot be read: try later, never guess
            return Verdict.defer(451, "4.3.0", "<" + recipient + ">: Temporary lookup failure")
                    .stage();
        }
        Expansion e = expansion.expand(recipient);
        switch (e.kind()) {
            case FAILED:
                LOG.warn("RCPT <{}>: {}", recipient, e.problem());
                return Verdict.defer(451, "4.6.0", "<" + recipient + ">: Alias expansion error")
                        .stage();
            case ALIAS:
                return Verdict.noOpinion().stage();
            default:
                if (mode == Mode.LMTP) {
                    return verifier.verify(recipient);
                }
                return (e.kind() == Expansion.Kind.USER ? Verdict.noOpinion() : unknown(recipient)).stage();
        }
    }
}
