package org.karavel.api.events;

/**
 * Where bundles hand message events. {@link #publish} never blocks on the network or the disk for
 * long: the implementation queues the event and makes it durable in groups; callers may be delivery
 * workers or SMTP worker threads, never a MINA I/O thread.
 */
public interface MessageEvents {

    /** Takes the event; it will reach every configured endpoint at least once. */
    void publish(MessageEvent event);
}
