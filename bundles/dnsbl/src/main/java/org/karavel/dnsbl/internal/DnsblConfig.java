package org.karavel.dnsbl.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Configuration of PID {@code org.karavel.dnsbl}. A double underscore in a method name is a single
 * underscore in the property key (OSGi DS name mapping): {@code zen__zone} is {@code zen_zone}.
 */
@ObjectClassDefinition(
        id = "org.karavel.dnsbl",
        name = "Karavel DNSBL",
        description = "Spamhaus ZEN (client address) and DBL (sender domain) checks at RCPT TO")
public @interface DnsblConfig {
    @AttributeDefinition(name = "Enabled", description = "Whether the dnsbl filter looks anything up")
    boolean enabled() default true;

    @AttributeDefinition(name = "ZEN zone", description = "The IP block list zone (ignored when a DQS key is set)")
    String zen__zone() default "zen.spamhaus.org";

    @AttributeDefinition(name = "DBL zone", description = "The domain block list zone (ignored when a DQS key is set)")
    String dbl__zone() default "dbl.spamhaus.org";

    @AttributeDefinition(
            name = "DQS key",
            description = "Spamhaus Data Query Service key; when set the zones are <key>.zen.dq.spamhaus.net and "
                    + "<key>.dbl.dq.spamhaus.net. Never shown to clients.",
            required = false)
    String dqs__key() default "";

    @AttributeDefinition(
            name = "ZEN action",
            description = "What a ZEN listing does",
            options = {
                @Option(label = "Reject at RCPT TO", value = "reject"),
                @Option(label = "Add a header", value = "header")
            })
    String zen__action() default "reject";

    @AttributeDefinition(
            name = "DBL action",
            description = "What a DBL listing does",
            options = {
                @Option(label = "Reject at RCPT TO", value = "reject"),
                @Option(label = "Add a header", value = "header")
            })
    String dbl__action() default "reject";

    @AttributeDefinition(name = "Check HELO", description = "Also look the HELO/EHLO name up in DBL")
    boolean check__helo() default false;

    @AttributeDefinition(
            name = "Pass list",
            description = "Client networks (CIDR, IPv4 or IPv6, comma separated) never checked",
            required = false)
    String[] pass__list() default {};

    @AttributeDefinition(
            name = "ZEN codes",
            description = "Answers that mean listed, e.g. 127.0.0.2-127.0.0.11 (comma list)")
    String zen__codes() default "127.0.0.2-127.0.0.11";

    @AttributeDefinition(
            name = "DBL codes",
            description = "Answers that mean listed, e.g. 127.0.1.2-127.0.1.106 (comma list)")
    String dbl__codes() default "127.0.1.2-127.0.1.106";

    @AttributeDefinition(
            name = "Error warning interval",
            description =
                    "Seconds between two warnings about error answers (127.255.255.x: public resolver, over quota)")
    long error__warn__interval__seconds() default 3600;
}
