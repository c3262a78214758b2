package org.karavel.events.internal;

import org.karavel.api.events.MessageEvent;

/**
 * One event as the outbox holds it: its sequence number (its place in the outbox, which the
 * endpoints' cursors count in), its type (so that an endpoint filters without parsing) and its JSON.
 */
record OutboxRecord(long seq, MessageEvent.Type type, byte[] json) {}
