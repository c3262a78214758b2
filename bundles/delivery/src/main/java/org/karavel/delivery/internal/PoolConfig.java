package org.karavel.delivery.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One pool of source addresses, factory PID {@code org.karavel.delivery.pool} (a file
 * {@code etc/org.karavel.delivery.pool-<name>.cfg} each): KumoMTA's egress_pool, Postfix's
 * sender_dependent_default_transport_maps.
 */
@ObjectClassDefinition(
        name = "Karavel sending pool",
        description = "Source addresses with weights, and which mail leaves from them")
public @interface PoolConfig {
    @AttributeDefinition(
            name = "Name",
            description = "The pool's name, as X-Karavel-Pool names it; 'default' takes the rest")
    String name();

    @AttributeDefinition(
            name = "Sources",
            description = "Source names with weights, comma separated: mta1:3, mta2:1 (weight 1 when not given)")
    String sources();

    @AttributeDefinition(name = "Sender domains", description = "Mail from these sender domains leaves from this pool")
    String sender__domains() default "";

    @AttributeDefinition(name = "Users", description = "Mail of these authenticated users leaves from this pool")
    String users() default "";

    @AttributeDefinition(name = "Listeners", description = "Mail received on these listeners leaves from this pool")
    String listeners() default "";
}
