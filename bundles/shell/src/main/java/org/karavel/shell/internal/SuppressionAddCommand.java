package org.karavel.shell.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.suppression.SuppressionList;
import org.osgi.framework.BundleContext;

/** {@code mta:suppression-add}: suppresses an address by hand (category manual). */
@Command(
        scope = "mta",
        name = "suppression-add",
        description = "Adds an address to the suppression list: application mail to it is refused at RCPT")
@Service
public class SuppressionAddCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    SuppressionList list;

    @Reference
    BundleContext bundleContext;

    @Argument(
            index = 0,
            name = "address [--reason TEXT] [--expires WHEN]",
            required = true,
            multiValued = true,
            description = "The address; --reason why (shown in the 550 reply), --expires never (default), "
                    + "a duration (30d, 12h) or a time (2027-01-31T00:00:00Z)")
    List<String> words;

    @Override
    public Object execute() {
        list = BestService.of(bundleContext, SuppressionList.class, list);
        if (list == null) {
            System.err.println("The suppression bundle (org.karavel.suppression) is not running.");
            return null;
        }
        TrailingOptions parsed;
        try {
            parsed = TrailingOptions.parse(words, Set.of("--reason", "-r", "--expires", "-e"));
            if (parsed.arguments().size() != 1) {
                throw new IllegalArgumentException(
                        "usage: mta:suppression-add <address> [--reason TEXT] [--expires never|30d|TIME]");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("suppression-add: " + e.getMessage());
            return null;
        }
        new SuppressedRecipients(list, ZoneId.systemDefault())
                .add(
                        parsed.arguments().get(0),
                        parsed.option("", "--reason", "-r"),
                        parsed.option("", "--expires", "-e"),
                        Instant.now(),
                        System.out,
                        System.err);
        return null;
    }
}
