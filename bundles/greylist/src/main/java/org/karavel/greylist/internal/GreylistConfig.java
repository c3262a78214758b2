package org.karavel.greylist.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of PID {@code org.karavel.greylist}. A double underscore in a method name is a single
 * underscore in the property key (OSGi DS name mapping): {@code delay__seconds} is {@code delay_seconds}.
 * Defaults are postgrey's.
 */
@ObjectClassDefinition(
        id = "org.karavel.greylist",
        name = "Karavel greylist",
        description = "Greylisting at RCPT TO with postgrey's semantics")
public @interface GreylistConfig {
    @AttributeDefinition(name = "Enabled", description = "Whether mail is greylisted at all")
    boolean enabled() default true;

    @AttributeDefinition(
            name = "Listeners",
            description = "SMTP listeners (their names) whose mail is greylisted; submission mail never should be")
    String[] listeners() default {"mx"};

    @AttributeDefinition(
            name = "Delay",
            description = "Seconds before a retry of a new triplet passes (postgrey --delay)")
    long delay__seconds() default 300;

    @AttributeDefinition(
            name = "Retry window",
            description = "Seconds after first sight within which the retry must come, else greylisting starts again")
    long retry__window__seconds() default 172800;

    @AttributeDefinition(
            name = "Maximum age",
            description = "Days an entry may go unseen before it is deleted (postgrey --max-age)")
    long max__age__days() default 35;

    @AttributeDefinition(
            name = "Auto-whitelist clients",
            description =
                    "Passes (counted at most once per hour) after which a client network is no longer greylisted; 0 = never")
    int auto__whitelist__clients() default 5;

    @AttributeDefinition(name = "IPv4 prefix", description = "Prefix length of the client network in a triplet, IPv4")
    int ipv4__prefix() default 24;

    @AttributeDefinition(name = "IPv6 prefix", description = "Prefix length of the client network in a triplet, IPv6")
    int ipv6__prefix() default 64;

    @AttributeDefinition(
            name = "Pass clients",
            description =
                    "Client networks (CIDR, comma separated) never greylisted; the default matches relay_hosts' default",
            required = false)
    String[] pass__clients() default {"127.0.0.0/8", "::1"};

    @AttributeDefinition(
            name = "Pass sender domains",
            description = "Sender domains (and their subdomains) never greylisted, comma separated",
            required = false)
    String[] pass__sender__domains() default {};

    @AttributeDefinition(
            name = "Pass recipients",
            description = "Recipient addresses, or domains (and their subdomains), never greylisted, comma separated",
            required = false)
    String[] pass__recipients() default {};

    @AttributeDefinition(
            name = "Store directory",
            description =
                    "Where greylist.db lives; empty means ${karaf.data}/greylist (data/greylist without karaf.data)",
            required = false)
    String store__directory() default "";

    @AttributeDefinition(name = "Clean-up interval", description = "Minutes between two removals of expired entries")
    long cleanup__interval__minutes() default 60;
}
