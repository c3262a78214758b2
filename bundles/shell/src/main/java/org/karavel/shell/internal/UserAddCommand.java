package org.karavel.shell.internal;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code mta:user-add}: adds a user; the password is typed (no echo, twice) or read from stdin. */
@Command(
        scope = "mta",
        name = "user-add",
        description = "Adds a user who may authenticate; the password is asked for, never given as an argument")
@Service
public class UserAddCommand extends PasswordCommand {
    @Override
    void run(MailboxUserAccounts accounts, PasswordSource password) {
        accounts.add(user, password, System.out, System.err);
    }
}
