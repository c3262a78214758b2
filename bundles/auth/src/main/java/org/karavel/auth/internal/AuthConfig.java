package org.karavel.auth.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of PID {@code org.karavel.auth}. A double underscore in a method name is a single
 * underscore in the property key (OSGi DS name mapping): {@code passwd__file} is {@code passwd_file}.
 */
@ObjectClassDefinition(
        id = "org.karavel.auth",
        name = "Karavel users (SMTP AUTH)",
        description = "Users and password hashes in a Dovecot passwd-file, and sender aliases")
public @interface AuthConfig {
    @AttributeDefinition(
            name = "Passwd file",
            description = "Dovecot passwd-file: user@domain:{SCHEME}hash per line; ${karaf.etc} is replaced "
                    + "by Karaf's etc directory. An absent file means no users.")
    String passwd__file() default AuthComponent.DEFAULT_PASSWD_FILE;

    @AttributeDefinition(
            name = "Aliases file",
            description = "Virtual aliases: 'address target[, target...]' per line (@domain = catch-all); mail for the "
                    + "address goes to the targets, and targets that are users may send as it. Empty = no aliases.",
            required = false)
    String aliases__file() default AuthComponent.DEFAULT_ALIASES_FILE;

    @AttributeDefinition(
            name = "Recipient delimiter",
            description = "Characters that start an address extension (user+tag@domain is user@domain); empty = none",
            required = false)
    String recipient__delimiter() default "+";

    @AttributeDefinition(
            name = "Default scheme",
            description = "Hash scheme for passwords set from the shell",
            options = {
                @org.osgi.service.metatype.annotations.Option(value = "SHA512-CRYPT"),
                @org.osgi.service.metatype.annotations.Option(value = "SHA256-CRYPT"),
                @org.osgi.service.metatype.annotations.Option(value = "BLF-CRYPT"),
                @org.osgi.service.metatype.annotations.Option(value = "ARGON2ID")
            })
    String default__scheme() default "SHA512-CRYPT";
}
