package org.karavel.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.auth.MailboxUserAdmin;

/** {@code mta:user-remove}: removes a user, who can no longer authenticate. */
@Command(scope = "mta", name = "user-remove", description = "Removes a user, who can then no longer authenticate")
@Service
public class UserRemoveCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    MailboxUserAdmin admin;

    @Argument(index = 0, name = "user", description = "The user name (user@domain)", required = true)
    String user;

    @Override
    public Object execute() {
        if (admin == null) {
            System.err.println("The auth bundle (org.karavel.auth) is not running.");
            return null;
        }
        new MailboxUserAccounts(admin).remove(user, System.out, System.err);
        return null;
    }
}
