package org.karavel.suppression.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of PID {@code org.karavel.suppression}. A double underscore in a method name is a
 * single underscore in the property key (OSGi DS name mapping): {@code expiry__days} is {@code
 * expiry_days}.
 */
@ObjectClassDefinition(
        id = "org.karavel.suppression",
        name = "Karavel suppression list",
        description = "Recipients refused at RCPT for application senders after a hard bounce")
public @interface SuppressionConfig {
    @AttributeDefinition(
            name = "Enabled",
            description = "Whether suppressed recipients are refused and bounces add entries; "
                    + "the list itself stays available to the shell and the admin API")
    boolean enabled() default true;

    @AttributeDefinition(
            name = "Categories",
            description = "Bounce categories whose permanent failures add an entry (comma separated)")
    String[] categories() default {"invalid_recipient", "bad_domain"};

    @AttributeDefinition(name = "Expiry", description = "Days an entry made from a bounce counts; 0 = never expires")
    long expiry__days() default 365;

    @AttributeDefinition(
            name = "Applies to listeners",
            description = "Listeners (their names) whose relaying senders are applications: relay_hosts "
                    + "clients and authenticated users; Internet clients never are",
            required = false)
    String[] applies__to__listeners() default {"mx"};

    @AttributeDefinition(
            name = "Applies to users",
            description = "Authenticated users (SMTP AUTH names) that are applications, on any listener",
            required = false)
    String[] applies__to__users() default {};

    @AttributeDefinition(
            name = "Store directory",
            description = "Where suppression.db lives; empty or ${karaf.data}/suppression by default")
    String store__directory() default "${karaf.data}/suppression";

    @AttributeDefinition(name = "Purge interval", description = "Minutes between two removals of expired entries")
    long purge__interval__minutes() default 60;
}
