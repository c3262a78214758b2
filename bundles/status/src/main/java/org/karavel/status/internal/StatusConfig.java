package org.karavel.status.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of PID {@code org.karavel.status}. A double underscore in a method name is a single
 * underscore in the property key.
 */
@ObjectClassDefinition(
        id = "org.karavel.status",
        name = "Karavel status checks",
        description = "Checks of the whole setup, on demand (mta:status-checks) and daily")
public @interface StatusConfig {
    @AttributeDefinition(
            name = "Host name",
            description =
                    "The server's name as the world should know it; empty = the mx listener's hostname, else the machine's canonical name")
    String host__name() default "";

    @AttributeDefinition(
            name = "Public addresses",
            description =
                    "Addresses the world reaches this server on; empty = the non-loopback addresses of this machine's interfaces")
    String[] public__addresses() default {};

    @AttributeDefinition(
            name = "Sending addresses",
            description = "Addresses outbound mail leaves from (SPF, PTR, block lists); empty = the public addresses")
    String[] sending__addresses() default {};

    @AttributeDefinition(name = "Daily", description = "Whether the checks also run once a day")
    boolean daily() default true;

    @AttributeDefinition(
            name = "Mail postmaster",
            description = "Whether a daily run that finds a change mails postmaster@ the first local domain")
    boolean notify__postmaster() default true;

    @AttributeDefinition(
            name = "Outbound probe",
            description =
                    "host:port (an IP address) of an SMTP server to connect to, to see whether outbound port 25 is open; empty = not checked")
    String outbound__probe() default "";

    @AttributeDefinition(name = "Check timeout", description = "Seconds one check may take before it is an error")
    int check__timeout__seconds() default 30;
}
