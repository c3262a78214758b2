package org.karavel.relay.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of PID {@code org.karavel.relay}. A double underscore in a method name is a single
 * underscore in the property key (OSGi DS name mapping): {@code local__domains} is {@code local_domains}.
 */
@ObjectClassDefinition(
        id = "org.karavel.relay",
        name = "Karavel relay policy",
        description = "Which domains mail is accepted for, and which clients may relay")
public @interface RelayConfig {
    @AttributeDefinition(
            name = "Local domains",
            description = "Domains delivered here (exact names, case-insensitive)")
    String[] local__domains() default {"localhost"};

    @AttributeDefinition(
            name = "Relay domains",
            description = "Domains accepted from anyone and passed on to their MX; "
                    + "an entry starting with '.' matches every subdomain of it",
            required = false)
    String[] relay__domains() default {};

    @AttributeDefinition(
            name = "Relay hosts",
            description = "Client networks (CIDR, IPv4 or IPv6) that may send to any domain",
            required = false)
    String[] relay__hosts() default {"127.0.0.0/8", "::1/128"};
}
