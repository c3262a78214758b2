/**
 * Local recipients: which addresses of a local domain exist, and where their mail goes through the
 * virtual alias map ({@link org.karavel.api.recipient.RecipientExpansion}, Postfix
 * {@code virtual_alias_maps} semantics), and the management of that map
 * ({@link org.karavel.api.recipient.AliasAdmin}).
 */
@Version("1.0.0")
@Export
package org.karavel.api.recipient;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
