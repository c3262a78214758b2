package org.karavel.api.status;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Runs the status checks; published by the status bundle for the shell, the admin API and the console. */
public interface StatusChecks {

    /** Runs every check now (each within its time limit) and remembers the report. */
    CompletionStage<StatusReport> run();

    /** The report of the last run, on demand or daily; empty before the first. */
    Optional<StatusReport> last();
}
