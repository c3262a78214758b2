package org.karavel.dkim.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Configuration of PID {@code org.karavel.dkim}. A double underscore in a method name is a single
 * underscore in the property key (OSGi DS name mapping): {@code dmarc__reject} is {@code dmarc_reject}.
 */
@ObjectClassDefinition(
        id = "org.karavel.dkim",
        name = "Karavel message authentication and DKIM signing",
        description =
                "SPF, DKIM verification and DMARC at end of message, reported in an Authentication-Results header; DKIM signing of outbound mail")
public @interface DkimConfig {
    @AttributeDefinition(name = "Enabled", description = "Whether messages are checked at all")
    boolean enabled() default true;

    @AttributeDefinition(
            name = "authserv-id",
            description = "The name in Authentication-Results; empty for this host's canonical name",
            required = false)
    String authserv__id() default "";

    @AttributeDefinition(name = "Listeners", description = "The SMTP listeners whose mail is checked (comma separated)")
    String[] listeners() default {"mx"};

    @AttributeDefinition(
            name = "DMARC reject",
            description = "What a DMARC failure under p=reject does",
            options = {
                @Option(label = "Record only", value = "none"),
                @Option(label = "Refuse with 550 5.7.1", value = "reject")
            })
    String dmarc__reject() default "none";

    @AttributeDefinition(
            name = "Strict From",
            description =
                    "Refuse (550 5.7.1) checked mail that has not exactly one From field with exactly one address "
                            + "(RFC 7489 section 6.6.1): DMARC cannot be applied to it")
    boolean strict__from() default true;

    @AttributeDefinition(
            name = "DKIM body length",
            description = "What a DKIM signature whose l= leaves content unsigned does: fail (it counts as dkim=fail) "
                    + "or reject (the message is refused with 550 5.7.1)",
            options = {
                @Option(label = "Count as failing", value = "fail"),
                @Option(label = "Refuse with 550 5.7.1", value = "reject")
            })
    String dkim__body__length() default "fail";

    @AttributeDefinition(
            name = "Check HELO",
            description = "Also check the HELO name with SPF and report it as smtp.helo")
    boolean check__helo() default true;

    @AttributeDefinition(
            name = "Time budget",
            description = "Seconds for all DNS lookups of one message; what is not done by then is temperror")
    int timeout__seconds() default 20;

    @AttributeDefinition(
            name = "Header limit",
            description = "Largest header block read for DKIM, in KiB; larger ones give dkim=permerror")
    int max__header__kb() default 512;

    @AttributeDefinition(
            name = "Sign",
            description = "Whether outbound mail from local domains and sign_domains is DKIM-signed")
    boolean sign() default true;

    @AttributeDefinition(
            name = "Signing domains",
            description = "From domains signed besides the local domains (comma separated)",
            required = false)
    String[] sign__domains() default {};

    @AttributeDefinition(
            name = "Key directory",
            description =
                    "Where the keys are: <domain>.<selector>.rsa.pem and <domain>.<selector>.ed25519.pem (PKCS#8); empty for ${karaf.etc}/dkim",
            required = false)
    String key__directory() default "";

    @AttributeDefinition(name = "Signature lifetime", description = "Days until a signature expires (x=); 0 for no x=")
    int signature__ttl__days() default 0;
}
