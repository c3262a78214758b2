package org.karavel.shell.internal;

import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.recipient.AliasAdmin;

/** {@code mta:alias-remove}: removes targets from an alias, or the whole alias. */
@Command(scope = "mta", name = "alias-remove", description = "Removes a virtual alias, or only some of its targets")
@Service
public class AliasRemoveCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    AliasAdmin admin;

    @Argument(index = 0, name = "address", description = "user@domain, or @domain for a catch-all", required = true)
    String address;

    @Argument(
            index = 1,
            name = "targets",
            description = "Only these targets (default: the whole alias)",
            required = false,
            multiValued = true)
    List<String> targets;

    @Override
    public Object execute() {
        if (admin == null) {
            System.err.println("The auth bundle (org.karavel.auth) is not running.");
            return null;
        }
        new MailAliases(admin).remove(address, targets == null ? List.of() : targets, System.out, System.err);
        return null;
    }
}
