/**
 * Status checks: runs every {@link org.karavel.api.status.StatusCheck} (its own DNS and access
 * checks and those other bundles publish), on demand and daily, keeps the last report, and mails
 * postmaster what changed since the previous daily run.
 *
 * <p>It must never: change anything it checks (it reads DNS, files and configuration only); send a
 * query anywhere but through the configured resolver; let one slow or failing check hold up the
 * report (each has its time limit and its failure becomes an error finding).
 */
package org.karavel.status.internal;
