/**
 * Karaf shell commands of scope {@code mta} for operators: {@code mta:queue-list} (a mailq) and
 * {@code mta:queue-flush}. The actions are thin; listing and flushing live in plain classes.
 *
 * <p>Commands must never change a message other than through the {@link org.karavel.api.queue.Spool}
 * service, and never hold the spool's lock or a large copy of it longer than one listing.
 */
package org.karavel.shell.internal;
