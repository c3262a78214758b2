/**
 * Karaf shell commands of scope {@code mta} for operators: the queue ({@code queue-*}), suspended
 * recipient domains ({@code domain-*}), SMTP AUTH users ({@code user-*}), virtual aliases
 * ({@code alias-*}), the greylist ({@code greylist-*}), DKIM keys and DNS records, and the filter
 * chain; the bundle's README lists all of them. The actions are thin; the work lives in plain classes.
 * Every service reference is optional, so that one stopped bundle does not hide every command.
 *
 * <p>Commands must never change a message other than through the {@link org.karavel.api.queue.Spool}
 * service, never hold the spool's lock or a large copy of it longer than one listing, and never take
 * a password as a command argument (it would land in the shell history).
 */
package org.karavel.shell.internal;
