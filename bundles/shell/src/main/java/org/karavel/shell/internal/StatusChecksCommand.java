package org.karavel.shell.internal;

import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.status.StatusChecks;
import org.karavel.api.status.StatusReport;

/** {@code mta:status-checks}: runs every status check and prints what is right and how to fix what is not. */
@Command(
        scope = "mta",
        name = "status-checks",
        description =
                "Checks the setup (DNS the world sees, SPF, DKIM, DMARC, access) and says how to fix what is wrong")
@Service
public class StatusChecksCommand implements Action {
    @Reference(optional = true)
    StatusChecks checks;

    @Option(name = "--last", description = "Show the last report (on demand or daily) without running the checks")
    boolean last;

    @Option(name = "--problems", description = "Show only warnings and errors")
    boolean problems;

    @Override
    public Object execute() throws InterruptedException {
        if (checks == null) {
            System.err.println("The status bundle (org.karavel.status) is not running.");
            return null;
        }
        StatusReport report;
        if (last) {
            Optional<StatusReport> r = checks.last();
            if (r.isEmpty()) {
                System.err.println("No report yet: run mta:status-checks without --last.");
                return null;
            }
            report = r.get();
        } else {
            try {
                report = checks.run().toCompletableFuture().get(2, TimeUnit.MINUTES);
            } catch (ExecutionException | TimeoutException e) {
                System.err.println("The status checks failed: " + e);
                return null;
            }
        }
        StatusReportLines.lines(report, "", problems).forEach(System.out::println);
        return null;
    }
}
