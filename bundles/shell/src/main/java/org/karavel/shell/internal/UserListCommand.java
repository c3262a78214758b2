package org.karavel.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.auth.MailboxUserAdmin;

/** {@code mta:user-list}: the users who may authenticate (SMTP AUTH). */
@Command(scope = "mta", name = "user-list", description = "Lists the users who may authenticate (SMTP AUTH)")
@Service
public class UserListCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    MailboxUserAdmin admin;

    @Override
    public Object execute() {
        if (admin == null) {
            System.err.println("The auth bundle (org.karavel.auth) is not running.");
            return null;
        }
        new MailboxUserAccounts(admin).list(System.out);
        return null;
    }
}
