package org.karavel.smtp.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * One AUTH exchange (RFC 4954) with the mechanisms PLAIN (RFC 4616) and LOGIN, as Postfix's
 * smtpd_sasl_proto.c: it decodes the client's base64 responses and ends with the credentials to
 * check or with the reply that refuses them. It never logs a response, and it zeroes every byte
 * that held a password; the password's {@code char[]} is the caller's to zero once checked.
 * Whether AUTH may be used at all (TLS, throttle, backend) and the check itself are the
 * session's ({@code SmtpSession.auth}).
 */
final class SaslExchange {
    /** RFC 4954 §4: AUTH command lines and responses of up to 12288 octets must be accepted. */
    static final int LINE_MAX = 12288;

    /** What the exchange says after a client line. */
    sealed interface Step permits Challenge, Refusal, Mismatch, Credentials {}

    /** Send this 334 and wait for the client's next response line. */
    record Challenge(Reply reply) implements Step {}

    /** The exchange ends with this reply, counted as a client error ("*", bad base64, bad PLAIN). */
    record Refusal(Reply reply) implements Step {}

    /** PLAIN asked to act for another identity (authzid): a failed authentication, not checked. */
    record Mismatch() implements Step {}

    /** The exchange ends: check these. The caller zeroes {@code password} once the check is done. */
    record Credentials(String username, char[] password) implements Step {}

    final String mechanism;
    private final String initialResponse;
    private String username;

    private SaslExchange(String mechanism, String initialResponse) {
        this.mechanism = mechanism;
        this.initialResponse = initialResponse;
    }

    /** The exchange an AUTH argument asks for; {@link #refusal(String)} has found nothing wrong with it. */
    static SaslExchange start(String arg) {
        String[] words = words(arg);
        return new SaslExchange(mechanism(words), words.length == 2 ? words[1] : null);
    }

    /** Why an AUTH argument is refused (syntax, unknown mechanism), or null when it is fine. */
    static Reply refusal(String arg) {
        String[] words = words(arg);
        if (words.length < 1 || words.length > 2) {
            return Replies.SYNTAX_AUTH;
        }
        String mechanism = mechanism(words);
        if (!mechanism.equals("PLAIN") && !mechanism.equals("LOGIN")) {
            return Replies.AUTH_MECHANISM;
        }
        return null;
    }

    private static String[] words(String arg) {
        return arg.isEmpty() ? new String[0] : arg.split(" +");
    }

    private static String mechanism(String[] words) {
        return words[0].toUpperCase(Locale.ROOT);
    }

    /** The first step: the initial response given with the AUTH command, or the first challenge. */
    Step begin() {
        if (initialResponse != null) {
            return respond(initialResponse);
        }
        return new Challenge(mechanism.equals("PLAIN") ? Replies.PLAIN_CHALLENGE : Replies.USERNAME_CHALLENGE);
    }

    /** One response of the client (base64; "*" cancels, "=" is empty). */
    Step respond(String line) {
        if (line.equals("*")) {
            return new Refusal(Replies.AUTH_CANCELLED);
        }
        byte[] decoded;
        try {
            decoded = line.equals("=") ? new byte[0] : Base64.getDecoder().decode(line);
        } catch (IllegalArgumentException e) {
            return new Refusal(Replies.AUTH_UNDECODABLE);
        }
        try {
            if (mechanism.equals("LOGIN")) {
                if (username == null) {
                    username = new String(decoded, StandardCharsets.UTF_8);
                    return new Challenge(Replies.PASSWORD_CHALLENGE);
                }
                return new Credentials(username, utf8Chars(decoded, 0, decoded.length));
            }
            return plain(decoded);
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
    }

    /** authzid NUL authcid NUL passwd (RFC 4616); acting for another identity is not supported. */
    private static Step plain(byte[] decoded) {
        int first = CommandSyntax.indexOf(decoded, 0, decoded.length, (byte) 0);
        int second = first < 0 ? -1 : CommandSyntax.indexOf(decoded, first + 1, decoded.length, (byte) 0);
        if (second < 0) {
            return new Refusal(Replies.AUTH_UNDECODABLE);
        }
        String username = new String(decoded, first + 1, second - first - 1, StandardCharsets.UTF_8);
        String authzid = new String(decoded, 0, first, StandardCharsets.UTF_8);
        char[] password = utf8Chars(decoded, second + 1, decoded.length);
        if (!authzid.isEmpty() && !authzid.equals(username)) {
            Arrays.fill(password, '\0');
            return new Mismatch();
        }
        return new Credentials(username, password);
    }

    private static char[] utf8Chars(byte[] b, int from, int to) {
        CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(b, from, to - from));
        char[] out = Arrays.copyOfRange(chars.array(), chars.position(), chars.limit());
        Arrays.fill(chars.array(), '\0');
        return out;
    }
}
