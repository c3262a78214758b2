package org.karavel.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.console.Session;
import org.karavel.api.auth.MailboxUserAdmin;

/** A user command that takes a password: typed without echo (twice), or the first line of stdin. */
abstract class PasswordCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    MailboxUserAdmin admin;

    @Reference(optional = true)
    Session session;

    @Argument(index = 0, name = "user", description = "The user name, a mail address (user@domain)", required = true)
    String user;

    @Option(name = "--stdin", description = "Read the password from the first line of standard input")
    boolean stdin;

    @Override
    public Object execute() {
        if (admin == null) {
            System.err.println("The auth bundle (org.karavel.auth) is not running.");
            return null;
        }
        run(new MailboxUserAccounts(admin), SessionPasswordSource.of(session, stdin));
        return null;
    }

    abstract void run(MailboxUserAccounts accounts, PasswordSource password);
}
