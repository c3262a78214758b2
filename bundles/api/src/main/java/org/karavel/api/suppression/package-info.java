/**
 * The suppression list: addresses that Karavel refuses at RCPT for the senders the list applies to
 * (applications rather than people), because mail to them failed for good or an operator said so.
 * {@link org.karavel.api.suppression.SuppressionList} is the store's contract, written so that a
 * shared store (Redis, for a fleet) can take the embedded one's place; {@link
 * org.karavel.api.suppression.Suppression} is one entry and {@link
 * org.karavel.api.suppression.SuppressionCsv} the import/export format. The {@code
 * org.karavel.suppression} bundle publishes the embedded store.
 */
@Version("1.0.0")
@Export
package org.karavel.api.suppression;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
