package org.karavel.api.recipient;

import org.karavel.api.address.MailAddress;

/**
 * Where mail for an address goes: the virtual alias map expanded recursively (Postfix
 * {@code virtual_alias_maps}), and whether an address that no alias covers is a user of the user
 * store. The SMTP listener asks it before a message is queued, so the spool holds the expanded
 * recipients; the relay policy asks it at RCPT to refuse unknown local recipients.
 *
 * <p>Implementations answer from memory and never block: they are called on SMTP I/O threads.
 */
public interface RecipientExpansion {
    /** What mail for this recipient becomes. Never null. */
    Expansion expand(MailAddress recipient);
}
