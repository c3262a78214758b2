/**
 * The suppression list: {@link org.karavel.suppression.internal.SuppressionFilter} refuses at RCPT
 * mail from application senders to suppressed addresses; {@link
 * org.karavel.suppression.internal.SuppressionDatabase} is the {@code SuppressionList} service over a
 * MapDB file ({@link org.karavel.suppression.internal.MapDbSuppressionStore}) written only by the
 * bundle's own thread and committed in groups.
 *
 * <p>Never: wait on the store's thread in an SMTP stage (lookups read the map directly); refuse mail
 * from senders the list does not apply to (people, Internet clients); add an entry for a category
 * not in {@code categories}; store objects with Java serialization.
 */
package org.karavel.suppression.internal;
