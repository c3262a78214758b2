package org.karavel.delivery.internal;

import java.util.Objects;

/**
 * The SMTP AUTH identity for a next hop (Postfix's smtp_sasl_password_maps entry).
 *
 * @param user the login name
 * @param password where the password is; never the password itself
 * @param insecure whether AUTH may go without TLS whose certificate was verified (Postfix's
 *     smtp_sasl_tls_security_options without noplaintext); off unless the entry says auth_insecure=true
 */
record SmtpLogin(String user, SecretReference password, boolean insecure) {
    SmtpLogin {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return user;
    }
}
