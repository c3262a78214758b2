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
    @AttributeDefinition(name = "Local domains", description = "Domains delivered here (exact names, case-insensitive)")
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

    @AttributeDefinition(
            name = "Local recipients",
            description = "Which recipients of a local domain are accepted at RCPT: users (users of the passwd-file "
                    + "and aliases; others get 550 5.1.1), lmtp (aliases, and what the LMTP server answers to a probe), "
                    + "any (every local part)",
            options = {
                @org.osgi.service.metatype.annotations.Option(value = "users"),
                @org.osgi.service.metatype.annotations.Option(value = "lmtp"),
                @org.osgi.service.metatype.annotations.Option(value = "any")
            })
    String local__recipients() default "users";

    @AttributeDefinition(
            name = "LMTP server to ask",
            description =
                    "With local_recipients = lmtp: host:port (or lmtp:host:port, [IPv6]:port) of the LMTP server, "
                            + "the same as local_transport of org.karavel.delivery",
            required = false)
    String lmtp__server() default "";

    @AttributeDefinition(
            name = "Verified lifetime (s)",
            description = "How long an address the LMTP server accepted is remembered",
            min = "0")
    int verify__positive__seconds() default 3600;

    @AttributeDefinition(
            name = "Refused lifetime (s)",
            description = "How long an address the LMTP server refused (5xx) is remembered",
            min = "0")
    int verify__negative__seconds() default 60;

    @AttributeDefinition(
            name = "Verification timeout (s)",
            description = "Deadline for one whole LMTP probe (connect, LHLO, MAIL, RCPT)",
            min = "1")
    int verify__timeout__seconds() default 10;

    @AttributeDefinition(
            name = "Relay recipients file",
            description = "Optional: the recipients of the relay domains, user@domain or @domain per line (Postfix "
                    + "relay_recipient_maps); others get 550 5.1.1 at RCPT. A relative path is in Karaf's etc. Empty = "
                    + "every recipient of a relay domain is accepted",
            required = false)
    String relay__recipients__file() default "";
}
