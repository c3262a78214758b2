package org.karavel.api.auth;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.karavel.api.address.MailAddress;

/**
 * The users who may authenticate (SMTP AUTH PLAIN / LOGIN) and the sender addresses each may use.
 *
 * <p>Implementations must:
 * <ul>
 *   <li>compare hashes in constant time, and spend about the same time on an unknown user as on a
 *       known one with a wrong password, so that timing does not reveal which users exist;</li>
 *   <li>never log a password or a password hash, not even at DEBUG;</li>
 *   <li>hash off the caller's thread (bcrypt and argon2 are slow by design): the returned stage
 *       may complete on another thread, so a MINA I/O thread never waits for it.</li>
 * </ul>
 * Callers should zero the {@code char[]} once the returned stage has completed.
 */
public interface MailboxUsers {
    /**
     * Checks a user name and password.
     *
     * @param username the name given by the client, typically {@code user@domain}
     * @param password the password; read only, and only until the stage completes
     * @return the canonical user name on success; empty on a wrong password or an unknown user
     *     (the two are not told apart); a failed stage only when the backend itself fails
     */
    CompletionStage<Optional<String>> authenticate(String username, char[] password);

    /**
     * The addresses an authenticated user may use as MAIL FROM: the user's own address (when the
     * user name is an address) and the aliases configured for it. Empty for an unknown user.
     */
    Set<MailAddress> allowedSenders(String user);
}
