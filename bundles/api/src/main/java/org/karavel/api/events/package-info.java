/**
 * Message events for senders' applications: {@link org.karavel.api.events.MessageEvent} (what
 * became of a message or one recipient, with a unique id) and {@link
 * org.karavel.api.events.MessageEvents}, the service bundles hand events to. The events bundle
 * stores them durably and delivers them to webhooks and the JSON event log; with no events service
 * running, bundles simply publish nothing.
 */
@Version("1.2.0")
@Export
package org.karavel.api.events;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
