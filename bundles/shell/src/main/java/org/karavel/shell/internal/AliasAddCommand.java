package org.karavel.shell.internal;

import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.recipient.AliasAdmin;

/** {@code mta:alias-add}: mail for an address (or a catch-all) goes to local users or remote addresses. */
@Command(
        scope = "mta",
        name = "alias-add",
        description =
                "Adds a virtual alias: mail for the address goes to the targets (local users or remote addresses)")
@Service
public class AliasAddCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    AliasAdmin admin;

    @Argument(index = 0, name = "address", description = "user@domain, or @domain for a catch-all", required = true)
    String address;

    @Argument(
            index = 1,
            name = "targets",
            description = "Where the mail goes: user@domain (local or remote), @domain",
            required = true,
            multiValued = true)
    List<String> targets;

    @Override
    public Object execute() {
        if (admin == null) {
            System.err.println("The auth bundle (org.karavel.auth) is not running.");
            return null;
        }
        new MailAliases(admin).add(address, targets, System.out, System.err);
        return null;
    }
}
