package org.karavel.api.recipient;

import java.util.List;
import java.util.Objects;
import org.karavel.api.address.MailAddress;

/** The answer of {@link RecipientExpansion#expand}: immutable. */
public final class Expansion {
    /** How the address was resolved. */
    public enum Kind {
        /** A user of the user store; no alias applies. The recipient stays as it is. */
        USER,
        /** The alias map (an address or an {@code @domain} catch-all) rewrote it into {@link #recipients()}. */
        ALIAS,
        /** Neither a user nor covered by an alias; the recipient stays as it is. */
        UNKNOWN,
        /** The expansion loops or grows past its limit: {@link #problem()} says how. */
        FAILED
    }

    private final Kind kind;
    private final List<MailAddress> recipients;
    private final String problem;

    private Expansion(Kind kind, List<MailAddress> recipients, String problem) {
        this.kind = kind;
        this.recipients = List.copyOf(recipients);
        this.problem = problem;
    }

    public static Expansion user(MailAddress recipient) {
        return new Expansion(Kind.USER, List.of(recipient), null);
    }

    public static Expansion unknown(MailAddress recipient) {
        return new Expansion(Kind.UNKNOWN, List.of(recipient), null);
    }

    /** @param recipients the final addresses, without duplicates, at least one */
    public static Expansion alias(List<MailAddress> recipients) {
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an alias expands to at least one address");
        }
        return new Expansion(Kind.ALIAS, recipients, null);
    }

    public static Expansion failed(String problem) {
        return new Expansion(Kind.FAILED, List.of(), Objects.requireNonNull(problem, "problem"));
    }

    public Kind kind() {
        return kind;
    }

    /** Whether mail for the address has somewhere to go here: a user or an alias. */
    public boolean known() {
        return kind == Kind.USER || kind == Kind.ALIAS;
    }

    /** The addresses the message goes to instead; empty only when {@link Kind#FAILED}. */
    public List<MailAddress> recipients() {
        return recipients;
    }

    /** Why the expansion failed (names the alias file and the loop); null unless {@link Kind#FAILED}. */
    public String problem() {
        return problem;
    }

    @Override
    public String toString() {
        return kind == Kind.FAILED ? "FAILED(" + problem + ")" : kind.name() + recipients;
    }
}
