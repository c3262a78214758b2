/**
 * Karaf shell commands of scope {@code mta} for operators: {@code mta:queue-list} (a mailq),
 * {@code mta:queue-flush}, and the SMTP AUTH users: {@code mta:user-list}, {@code mta:user-add},
 * {@code mta:user-passwd}, {@code mta:user-remove}. The actions are thin; the work lives in plain
 * classes. Every service reference is optional, so that one stopped bundle does not hide every command.
 *
 * <p>Commands must never change a message other than through the {@link org.karavel.api.queue.Spool}
 * service, never hold the spool's lock or a large copy of it longer than one listing, and never take
 * a password as a command argument (it would land in the shell history).
 */
package org.karavel.shell.internal;
