/**
 * Content scanning with Rspamd: at end of message the {@code rspamd} SMTP filter sends the message,
 * its envelope and the connection facts to Rspamd's {@code /checkv2} with the JDK's asynchronous
 * HTTP client and turns Rspamd's action into a verdict ({@code 554 5.7.1}, {@code 451 4.7.1}) or
 * headers ({@code X-Spam}, {@code X-Spamd-Result}, a rewritten Subject).
 *
 * <p>It must never block a network thread, never refuse mail because Rspamd is down unless
 * {@code fail_mode = closed} says so, never let a client's own {@code X-Spam*} headers through on a
 * scanned listener, and never show the controller password in a log line or a service property. It
 * exports nothing.
 */
package org.karavel.rspamd.internal;
