package org.karavel.shell.internal;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code mta:user-passwd}: sets a user's password; typed (no echo, twice) or read from stdin. */
@Command(
        scope = "mta",
        name = "user-passwd",
        description = "Sets the password of a user; the password is asked for, never given as an argument")
@Service
public class UserPasswdCommand extends PasswordCommand {
    @Override
    void run(MailboxUserAccounts accounts, PasswordSource password) {
        accounts.passwd(user, password, System.out, System.err);
    }
}
