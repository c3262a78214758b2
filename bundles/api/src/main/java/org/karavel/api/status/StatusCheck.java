package org.karavel.api.status;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A check of one part of the setup (whiteboard service: the status bundle runs every registered
 * one). It answers as a stage and never blocks its caller: DNS through the asynchronous resolver,
 * anything slow on the check's own executor. A failure of the stage is reported as an error
 * finding of this check; a check that does not apply answers no findings.
 */
public interface StatusCheck {

    /** A short dotted name, e.g. {@code dns.mx} or {@code dkim.records}. */
    String name();

    /** Runs the check for the server and the local domains described by {@code setup}. */
    CompletionStage<List<Finding>> run(Setup setup);
}
