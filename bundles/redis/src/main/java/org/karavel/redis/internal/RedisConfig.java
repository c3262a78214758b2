package org.karavel.redis.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of PID {@code org.karavel.redis}. A double underscore in a method name is a single
 * underscore in the property key: {@code node__name} is {@code node_name}. An empty {@code uri} and
 * no sentinels means no shared store: the bundle publishes nothing.
 */
@ObjectClassDefinition(
        id = "org.karavel.redis",
        name = "Karavel Redis",
        description = "The Redis that the nodes of a fleet share (greylist, throttles, suppression, fleet view)")
public @interface RedisConfig {
    @AttributeDefinition(
            name = "URI",
            description = "redis://host:port/db or rediss://host:port/db (TLS); empty: no shared store",
            required = false)
    String uri() default "";

    @AttributeDefinition(
            name = "TLS CA file",
            description = "PEM file of the CAs trusted for rediss://; empty: the JVM's trust store",
            required = false)
    String tls__ca__file() default "";

    @AttributeDefinition(name = "User", description = "ACL user name; empty for the default user", required = false)
    String user() default "";

    @AttributeDefinition(
            name = "Password",
            description = "The password, best written $[secret:redis] or $[env:REDIS_PASSWORD]",
            required = false)
    String password() default "";

    @AttributeDefinition(
            name = "Sentinels",
            description = "host:port of each Redis Sentinel; when set, the master is found through them",
            required = false)
    String[] sentinels() default {};

    @AttributeDefinition(name = "Sentinel master", description = "The master's name in Sentinel", required = false)
    String sentinel__master() default "mymaster";

    @AttributeDefinition(
            name = "Node name",
            description = "This node's name in the fleet; empty: the host name",
            required = false)
    String node__name() default "";

    @AttributeDefinition(name = "Heartbeat", description = "Seconds between two heartbeats of this node")
    int heartbeat__seconds() default 5;

    @AttributeDefinition(
            name = "Node timeout",
            description = "Seconds without a heartbeat after which a node counts as gone")
    int node__timeout__seconds() default 20;

    @AttributeDefinition(
            name = "Command timeout",
            description = "Milliseconds a command may take before the shared service falls back to local state")
    int command__timeout__millis() default 200;

    @AttributeDefinition(
            name = "Key prefix",
            description = "Prefix of every key, so that several fleets can share one Redis")
    String key__prefix() default "karavel:";

    @AttributeDefinition(
            name = "Suppression sync",
            description = "Seconds between two refreshes of the local copy of the shared suppression list")
    int suppression__sync__seconds() default 5;
}
