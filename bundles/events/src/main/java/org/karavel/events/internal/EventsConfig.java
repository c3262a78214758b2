package org.karavel.events.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of PID {@code org.karavel.events}: where events wait and how much of them; the
 * endpoints have their own files ({@link WebhookConfig}). A double underscore in a method name is a
 * single underscore in the key.
 */
@ObjectClassDefinition(
        id = "org.karavel.events",
        name = "Karavel message events",
        description = "The durable outbox of message events and the JSON event log")
public @interface EventsConfig {
    @AttributeDefinition(
            name = "Directory",
            description = "Where the outbox lives; empty means ${karaf.data}/events",
            required = false)
    String directory() default "";

    @AttributeDefinition(
            name = "Maximum size",
            description = "MiB of events kept for endpoints that have not taken them; past it the oldest are dropped")
    long max__size__mb() default 1024;

    @AttributeDefinition(
            name = "Segment size",
            description = "MiB per outbox file (at most an eighth of max_size_mb): the unit of deletion")
    long segment__size__mb() default 16;

    @AttributeDefinition(
            name = "JSON event log",
            description = "Whether each event is also written as one JSON line to logger karavel.events "
                    + "(data/log/events.json)")
    boolean json__log() default true;

    @AttributeDefinition(
            name = "Publish wait",
            description = "Milliseconds a publisher waits at most for the group commit of its event")
    long publish__wait__millis() default 2000;
}
