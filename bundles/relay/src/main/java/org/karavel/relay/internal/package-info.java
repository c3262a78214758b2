/**
 * Relay policy: which domains are local or relayed for ({@link org.karavel.api.domain.MailDomains}),
 * and the {@code relay} SMTP filter that refuses, at RCPT TO, mail for other domains unless the client
 * is a relay host or authenticated, and every source-routing address form ({@code %}, {@code !},
 * {@code @} in the local part).
 *
 * <p>It must never let a recipient through on a guess: a configuration entry that cannot be parsed
 * is logged and left out (fewer relay hosts, never more), and the filter answers from memory without
 * blocking. It exports nothing.
 */
package org.karavel.relay.internal;
