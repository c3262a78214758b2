package org.karavel.shaping.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A shaping rule (factory PID {@code org.karavel.shaping}, one {@code etc/org.karavel.shaping-NAME.cfg}
 * per site). Every key is read as text and checked by {@link SiteRule#parse}, so that a malformed value
 * is reported with its file and key instead of being coerced.
 */
@ObjectClassDefinition(
        name = "Karavel shaping rule",
        description = "One site: the domains or MX host suffixes it covers and its delivery limits")
@interface SiteRuleConfig {
    @AttributeDefinition(description = "recipient domains of the site, separated by commas")
    String domains() default "";

    @AttributeDefinition(description = "MX host name suffixes of the site, e.g. .google.com")
    String mx__suffixes() default "";

    @AttributeDefinition(description = "open connections to the site at once; 0 = delivery's own limits")
    String max__connections() default "";

    @AttributeDefinition(description = "messages per period, e.g. 100/min; empty = no limit")
    String max__message__rate() default "";

    @AttributeDefinition(description = "new connections per period, e.g. 10/min; empty = no limit")
    String max__connection__rate() default "";

    @AttributeDefinition(description = "messages at once on a fresh budget (GCRA burst)")
    String burst() default "1";

    @AttributeDefinition(description = "transactions before a reused connection is closed; 0 = delivery's own")
    String max__deliveries__per__connection() default "";

    @AttributeDefinition(description = "TCP connect time limit, e.g. 30s")
    String connect__timeout() default "";

    @AttributeDefinition(description = "how long an idle connection waits for more mail, e.g. 5s")
    String idle__timeout() default "";

    @AttributeDefinition(
            description =
                    "outbound TLS mode: Opportunistic, OpportunisticInsecure, Required, RequiredInsecure, Disabled")
    String tls() default "";
}
