package org.karavel.shell.internal;

import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.karavel.api.suppression.SuppressionList;
import org.osgi.framework.BundleContext;

/** {@code mta:suppression-export}: every entry in force, as CSV. */
@Command(
        scope = "mta",
        name = "suppression-export",
        description = "Writes the suppression list to a CSV file (address,reason,category,created,expires,source)")
@Service
public class SuppressionExportCommand implements Action {
    // optional: one missing service must not take every mta command away with it
    @Reference(optional = true)
    SuppressionList list;

    @Reference
    BundleContext bundleContext;

    @Argument(
            index = 0,
            name = "file [--force]",
            required = true,
            multiValued = true,
            description = "The CSV file to write (must not exist unless --force follows or precedes it)")
    @Completion(FileCompleter.class)
    List<String> words;

    @Option(name = "-f", aliases = "--force", description = "Overwrite the file if it exists")
    boolean force;

    @Override
    public Object execute() {
        list = BestService.of(bundleContext, SuppressionList.class, list);
        if (list == null) {
            System.err.println("The suppression bundle (org.karavel.suppression) is not running.");
            return null;
        }
        // Karaf takes options only before the arguments: a trailing --force is one of the words
        List<String> files = new ArrayList<>();
        for (String w : words) {
            if (w.equals("--force") || w.equals("-f")) {
                force = true;
            } else {
                files.add(w);
            }
        }
        if (files.size() != 1) {
            System.err.println("suppression-export: usage: mta:suppression-export <file> [--force]");
            return null;
        }
        new SuppressedRecipients(list, ZoneId.systemDefault())
                .exportFile(Path.of(files.get(0)), force, System.out, System.err);
        return null;
    }
}
