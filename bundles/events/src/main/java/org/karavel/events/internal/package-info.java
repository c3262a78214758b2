/**
 * Message events: {@link org.karavel.events.internal.EventsComponent} takes them (the api's
 * MessageEvents), {@link org.karavel.events.internal.EventOutbox} keeps them on disk in segment files
 * forced in groups, and one {@link org.karavel.events.internal.Webhook} per configured endpoint sends
 * them from its own cursor as signed JSON batches; the JSON event log gets each one line.
 *
 * <p>Never: let a publisher wait longer than one group commit (nor at all on a MINA I/O thread);
 * move an endpoint's cursor before a 2xx; retry a refused (4xx) batch in a hot loop; drop an event
 * before the outbox passes max_size_mb, nor without saying so; read a secret from a .cfg value.
 */
package org.karavel.events.internal;
