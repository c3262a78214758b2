package org.karavel.shell.internal;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.karavel.api.suppression.SuppressionList;
import org.osgi.framework.BundleContext;

/** {@code mta:suppression-import}: adds (or replaces) the entries of a CSV file, all or none. */
@Command(
        scope = "mta",
        name = "suppression-import",
        description = "Imports a CSV file (address,reason,category,created,expires,source; only address is "
                + "required) into the suppression list; a bad line imports nothing")
@Service
public class SuppressionImportCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    SuppressionList list;

    @Reference
    BundleContext bundleContext;

    @Argument(index = 0, name = "file", required = true, description = "The CSV file")
    @Completion(FileCompleter.class)
    String file;

    @Override
    public Object execute() {
        list = BestService.of(bundleContext, SuppressionList.class, list);
        if (list == null) {
            System.err.println("The suppression bundle (org.karavel.suppression) is not running.");
            return null;
        }
        new SuppressedRecipients(list, ZoneId.systemDefault())
                .importFile(Path.of(file), Instant.now(), System.out, System.err);
        return null;
    }
}
