/**
 * Start-up host checks: when the bundle starts it looks at the spool, log and DKIM directories and at
 * the user the JVM runs as, and logs one WARN line per problem with the command that fixes it
 * (a directory open to other users, running as root).
 *
 * <p>It must never change a permission, create a directory or stop the server: it only warns, and a
 * check that cannot be made (missing directory, no POSIX file system) is skipped. It exports nothing.
 */
package org.karavel.preflight.internal;
