package org.karavel.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.karavel.api.auth.MailboxUserAdmin;

/** {@code mta:user-passwd}: sets a user's password; typed (no echo, twice) or read from stdin. */
@Command(scope = "mta", name = "user-passwd",
        description = "Sets the password of a user; the password is asked for, never given as an argument")
@Service
public class UserPasswdCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    MailboxUserAdmin admin;

    @Reference(optional = true)
    Session session;

    @Argument(index = 0, name = "user", description = "The user name (user@domain)", required = true)
    String user;

    @Option(name = "--stdin", description = "Read the password from the first line of standard input")
    boolean stdin;

    @Override
    public Object execute() {
        if (admin == null) {
            System.err.println("The auth bundle (org.karavel.auth) is not running.");
            return null;
        }
        new MailboxUserAccounts(admin).passwd(user, SessionPasswordSource.of(session, stdin), System.out, System.err);
        return null;
    }
}
