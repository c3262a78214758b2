package org.karavel.delivery.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One source address, factory PID {@code org.karavel.delivery.source} (a file
 * {@code etc/org.karavel.delivery.source-<name>.cfg} each): KumoMTA's egress_source, Postfix's
 * smtp_bind_address with smtp_helo_name.
 */
@ObjectClassDefinition(
        name = "Karavel source address",
        description = "A local address outbound connections leave from, with its EHLO name and warm-up")
public @interface SourceConfig {
    @AttributeDefinition(name = "Name", description = "What pools call it (sources = name:weight); empty = the address")
    String name() default "";

    @AttributeDefinition(name = "Address", description = "The local IPv4 or IPv6 address; it must be on this machine")
    String address();

    @AttributeDefinition(
            name = "EHLO name",
            description =
                    "The name said in EHLO from this address (its PTR name); empty = helo_name of org.karavel.delivery")
    String ehlo__name() default "";

    @AttributeDefinition(
            name = "Warm-up",
            description =
                    "Daily message limits from a start date, rising day by day: 2026-12-01: 500/day, 1000/day, 2000/day; empty = none")
    String warmup() default "";

    @AttributeDefinition(
            name = "Message rate",
            description =
                    "Messages per period from this address to all sites together: 100/min, 5/s, 20000/day; empty = no limit")
    String max__message__rate() default "";
}
