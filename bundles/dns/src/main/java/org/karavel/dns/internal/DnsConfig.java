package org.karavel.dns.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of PID {@code org.karavel.dns}. A double underscore in a method name is a single
 * underscore in the property key (OSGi DS name mapping), so {@code timeout__millis} is {@code timeout_millis}.
 */
@ObjectClassDefinition(
        id = "org.karavel.dns",
        name = "Karavel DNS resolver",
        description = "The caching DNS resolver every Karavel bundle asks")
public @interface DnsConfig {
    @AttributeDefinition(
            name = "Servers",
            description = "DNS servers as IP or IP:port ([v6]:port for IPv6 with a port); "
                    + "empty means the system's resolvers (/etc/resolv.conf)",
            required = false)
    String[] servers() default {};

    @AttributeDefinition(
            name = "Timeout (ms)",
            description = "How long to wait for one answer from one server",
            min = "1")
    int timeout__millis() default 5000;

    @AttributeDefinition(
            name = "Retries",
            description = "How many more times each server is asked after a timeout",
            min = "0")
    int retries() default 1;

    @AttributeDefinition(name = "Cache", description = "Cache answers for their TTL")
    boolean cache() default true;

    @AttributeDefinition(name = "Maximum cache entries", min = "1")
    int max__cache__entries() default 10000;

    @AttributeDefinition(
            name = "Negative TTL cap (s)",
            description = "Upper bound for caching NXDOMAIN and NODATA answers",
            min = "0")
    int negative__ttl__seconds() default 300;

    @AttributeDefinition(
            name = "TCP only",
            description = "Ask over TCP only (UDP answers that are truncated use TCP anyway)")
    boolean tcp() default false;

    @AttributeDefinition(
            name = "DNSSEC",
            description = "How TLSA answers (DANE) are vouched for: off (never authentic), trust_ad (the AD bit "
                    + "of the configured servers, which must be a validating resolver on this machine), "
                    + "validate (validated here with trust_anchor_file)",
            options = {
                @org.osgi.service.metatype.annotations.Option(label = "off", value = "off"),
                @org.osgi.service.metatype.annotations.Option(label = "trust the AD bit", value = "trust_ad"),
                @org.osgi.service.metatype.annotations.Option(label = "validate locally", value = "validate")
            })
    String dnssec() default "off";

    @AttributeDefinition(
            name = "Trust anchor file",
            description = "For dnssec = validate: the root KSK as DS or DNSKEY records in zone-file form",
            required = false)
    String trust__anchor__file() default "";
}
