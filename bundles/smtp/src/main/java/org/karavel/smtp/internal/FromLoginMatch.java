package org.karavel.smtp.internal;

import java.util.List;
import java.util.Set;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.FromField;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;

/**
 * {@code from_login_match}: the From header of an authenticated user's message may name only
 * addresses the user may send as (its own and its aliases, the sender_login_match rule for MAIL
 * FROM), because such mail gets our DKIM signature. Addresses are read with the same
 * {@link FromField} reader the DKIM signer uses, so what is allowed here is what is signed.
 */
final class FromLoginMatch {
    private FromLoginMatch() {}

    /**
     * The refusal ({@code 553 5.7.1}) when a From address is not the user's, else null. A message
     * without a From address claims no author and passes (it is not signed either).
     *
     * @param fromValues the values of every From field
     * @param allowed the addresses the user may send as (null: none)
     */
    static Verdict check(List<String> fromValues, Set<MailAddress> allowed, String user) {
        for (String value : fromValues) {
            for (String text : FromField.addresses(value)) {
                if (!owned(text, allowed)) {
                    return Verdict.reject(
                            553,
                            "5.7.1",
                            "<" + printable(text) + ">: From header address rejected: not owned by user " + user);
                }
            }
        }
        return null;
    }

    private static boolean owned(String text, Set<MailAddress> allowed) {
        if (allowed == null) {
            return false;
        }
        try {
            return allowed.contains(MailAddress.parse(text, true));
        } catch (AddressSyntaxException e) {
            return false; // cannot be told whose it is: refused
        }
    }

    /** The address for the reply text: printable ASCII only, at most 256 characters. */
    private static String printable(String text) {
        String s = text.replaceAll("[^!-~]", "?");
        return s.length() > 256 ? s.substring(0, 256) : s;
    }
}
