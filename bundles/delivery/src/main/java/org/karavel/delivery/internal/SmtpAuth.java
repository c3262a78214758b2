package org.karavel.delivery.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * The client side of SMTP AUTH (RFC 4954) towards a smarthost: PLAIN with an initial response when
 * the server offers it, else LOGIN. The password is held as bytes only while it is being sent, and
 * those bytes are zeroed afterwards; it never reaches a log line.
 */
final class SmtpAuth {
    private SmtpAuth() {}

    /**
     * Logs in to a smarthost after EHLO (and STARTTLS, EHLO again). Whatever goes wrong defers the
     * mail, never bounces it, even a 5xx reply to AUTH: the credentials are ours to fix, not the
     * recipient's fault.
     *
     * @param verifiedTls whether the session runs under TLS whose certificate was verified
     * @throws DeliveryFailure (deferred, the connection closed) when AUTH cannot be done or is refused
     */
    static void login(SmtpConnection c, SmtpLogin login, boolean verifiedTls) throws DeliveryFailure, IOException {
        if (!verifiedTls && !login.insecure()) {
            throw refused(
                    c,
                    "4.7.5",
                    "451 4.7.5 no AUTH to " + c.relay()
                            + " without TLS whose certificate is verified (auth_insecure=true in the transport table allows it)");
        }
        String mechanism = mechanism(c.extension("AUTH"));
        if (mechanism == null) {
            throw refused(
                    c,
                    "4.7.0",
                    "451 4.7.0 " + c.relay() + " offers no AUTH PLAIN or LOGIN"
                            + (c.offers("AUTH") ? " (it offers " + c.extension("AUTH") + ")" : ""));
        }
        byte[] password;
        try {
            password = login.password().read();
        } catch (IOException e) {
            throw refused(
                    c,
                    "4.3.0",
                    "451 4.3.0 the password for AUTH to " + c.relay() + " cannot be read: " + e.getMessage());
        }
        SmtpReply r = authenticate(c, mechanism, login.user(), password);
        if (r.code() != 235) {
            String status = r.status();
            throw refused(
                    c,
                    "4" + status.substring(1),
                    "SASL authentication failed; server " + c.relay() + " said: " + r.text());
        }
    }

    private static DeliveryFailure refused(SmtpConnection c, String status, String reply) {
        c.quit();
        return new DeliveryFailure(RecipientResult.Outcome.DEFERRED, status, reply, c.host(), c.relay(), c.tlsLog());
    }

    /** The mechanism to use among those the server offers (its AUTH keyword's value), or null for none we speak. */
    static String mechanism(String offered) {
        if (offered == null) {
            return null;
        }
        String[] mechs = offered.toUpperCase(Locale.ROOT).split("\\s+");
        if (Arrays.asList(mechs).contains("PLAIN")) {
            return "PLAIN";
        }
        return Arrays.asList(mechs).contains("LOGIN") ? "LOGIN" : null;
    }

    /**
     * Authenticates; the reply that ends the exchange (235 on success).
     *
     * @param mechanism PLAIN or LOGIN
     * @param password the password's bytes, zeroed here once sent
     */
    static SmtpReply authenticate(SmtpConnection c, String mechanism, String user, byte[] password) throws IOException {
        byte[] userBytes = user.getBytes(StandardCharsets.UTF_8);
        try {
            if (mechanism.equals("PLAIN")) {
                // authorization identity empty, NUL, user, NUL, password (RFC 4616)
                byte[] token = new byte[userBytes.length + password.length + 2];
                System.arraycopy(userBytes, 0, token, 1, userBytes.length);
                System.arraycopy(password, 0, token, userBytes.length + 2, password.length);
                try {
                    return c.sendSecret(prefixed("AUTH PLAIN ", token));
                } finally {
                    Arrays.fill(token, (byte) 0);
                }
            }
            c.send("AUTH LOGIN");
            SmtpReply r = c.read(c.replyTimeout());
            if (r.code() != 334) {
                return r;
            }
            r = c.sendSecret(prefixed("", userBytes));
            if (r.code() != 334) {
                return r;
            }
            return c.sendSecret(prefixed("", password));
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    /** {@code prefix} and the base64 of {@code secret}, as bytes the caller zeroes. */
    private static byte[] prefixed(String prefix, byte[] secret) {
        byte[] encoded = Base64.getEncoder().encode(secret);
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        byte[] line = new byte[p.length + encoded.length];
        System.arraycopy(p, 0, line, 0, p.length);
        System.arraycopy(encoded, 0, line, p.length, encoded.length);
        Arrays.fill(encoded, (byte) 0);
        return line;
    }
}
