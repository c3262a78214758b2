package org.karavel.tls.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of PID {@code org.karavel.tls.outbound}: the outbound TLS policy, MTA-STS, DANE and
 * TLS-RPT. A double underscore in a method name is a single underscore in the key.
 */
@ObjectClassDefinition(
        id = "org.karavel.tls.outbound",
        name = "Karavel outbound TLS",
        description = "TLS policy for delivery: modes per destination, MTA-STS, DANE, TLS-RPT reports")
public @interface OutboundTlsConfig {
    @AttributeDefinition(
            name = "Default mode",
            description = "Opportunistic, OpportunisticInsecure, Required, RequiredInsecure or Disabled")
    String outbound__default() default "Opportunistic";

    @AttributeDefinition(
            name = "Per-destination modes",
            description = "domain=Mode (that domain) or .suffix=Mode (every domain below); these win over MTA-STS",
            required = false)
    String[] outbound__policies() default {};

    @AttributeDefinition(
            name = "Trust file",
            description =
                    "PEM CA certificates to verify SMTP servers with instead of the JDK trust store; empty: the JDK's",
            required = false)
    String trust__file() default "";

    @AttributeDefinition(name = "MTA-STS", description = "Apply the MTA-STS policies (RFC 8461) destinations publish")
    boolean mta__sts() default true;

    @AttributeDefinition(name = "MTA-STS HTTPS port", description = "Port of the policy host (443; tests change it)")
    int mta__sts__port() default 443;

    @AttributeDefinition(
            name = "MTA-STS trust file",
            description = "PEM CA certificates to verify policy hosts with instead of the JDK trust store (tests)",
            required = false)
    String mta__sts__trust__file() default "";

    @AttributeDefinition(name = "MTA-STS fetch time limit", description = "Seconds for one policy fetch")
    int mta__sts__timeout() default 10;

    @AttributeDefinition(
            name = "DANE",
            description =
                    "Apply DNSSEC-authentic TLSA records (RFC 7672); needs a validating resolver in the dns bundle")
    boolean dane() default false;

    @AttributeDefinition(name = "TLS-RPT", description = "Count TLS results and send daily RFC 8460 reports")
    boolean tlsrpt() default true;

    @AttributeDefinition(
            name = "TLS-RPT directory",
            description = "Where the daily counts are kept; empty: ${karaf.data}/tlsrpt",
            required = false)
    String tlsrpt__directory() default "";

    @AttributeDefinition(
            name = "TLS-RPT submitter",
            description = "Our host name in reports; empty: this host's canonical name",
            required = false)
    String tlsrpt__submitter() default "";

    @AttributeDefinition(
            name = "TLS-RPT sender",
            description = "From address of report mails; empty: postmaster@<submitter>",
            required = false)
    String tlsrpt__from() default "";

    @AttributeDefinition(
            name = "TLS-RPT organization",
            description = "organization-name in reports; empty: the submitter",
            required = false)
    String tlsrpt__organization() default "";
}
