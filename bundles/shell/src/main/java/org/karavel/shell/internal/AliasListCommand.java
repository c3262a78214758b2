package org.karavel.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.recipient.AliasAdmin;

/** {@code mta:alias-list}: the virtual aliases (forwarding, catch-alls). */
@Command(
        scope = "mta",
        name = "alias-list",
        description = "Lists the virtual aliases: where mail for each address goes")
@Service
public class AliasListCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    AliasAdmin admin;

    @Override
    public Object execute() {
        if (admin == null) {
            System.err.println("The auth bundle (org.karavel.auth) is not running.");
            return null;
        }
        new MailAliases(admin).list(System.out);
        return null;
    }
}
