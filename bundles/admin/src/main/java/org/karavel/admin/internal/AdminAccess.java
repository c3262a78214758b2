package org.karavel.admin.internal;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.karavel.api.auth.LoginFailures;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.net.CidrBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may use the admin API. A client in {@code trusted_hosts} needs nothing more. Any other client
 * must come over HTTPS (a plain-HTTP request is refused before its credentials are even looked at)
 * and send HTTP Basic credentials of a user that the auth bundle accepts and that
 * {@code admin_users} lists. Failed logins are counted per client address; past
 * {@code auth_max_failures} within the window the client gets 429 until the window ends. With
 * {@code token_file} set, a trusted client's request that changes state needs the bearer token.
 */
final class AdminAccess {
    static final String REALM = "Basic realm=\"karavel\", charset=\"UTF-8\"";
    private static final Logger LOG = LoggerFactory.getLogger(AdminAccess.class);
    private static final long CHECK_SECONDS = 15;

    /** Who is let in: the admin user's name, or empty for a trusted client without credentials. */
    record Admission(String user) {}

    private final AdminSettings settings;
    private final Supplier<MailboxUsers> users;
    private final LoginFailures failures;
    private final AdminCounters metrics;
    private final AdminToken token;

    AdminAccess(AdminSettings settings, Supplier<MailboxUsers> users, LoginFailures failures, AdminCounters metrics) {
        this.settings = settings;
        this.users = users;
        this.failures = failures;
        this.metrics = metrics;
        this.token = settings.tokenFile() == null ? null : new AdminToken(settings.tokenFile());
    }

    /** Makes the token file if token_file names one that does not exist yet. */
    void prepare() {
        if (token != null) {
            token.prepare();
        }
    }

    boolean trusted(InetAddress client) {
        for (CidrBlock block : settings.trustedHosts()) {
            if (block.contains(client)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Admits the request or throws the refusal to send. May wait for a password check (bcrypt,
     * argon2): call it on a worker thread, never on the HTTP server's dispatcher.
     */
    Admission admit(InetAddress client, boolean https, String authorization, boolean changesState) {
        if (trusted(client)) {
            if (changesState && token != null) {
                // "any local user may administer" is a choice: with token_file, only who can read the file
                token.check(authorization);
            }
            return new Admission("");
        }
        if (!https) {
            // credentials sent in clear are already lost: refuse without looking at them, and say why
            throw new ApiError(
                    403,
                    "https_required",
                    "clients outside trusted_hosts must use HTTPS and HTTP Basic auth of an admin user");
        }
        long wait = failures.retryAfterSeconds(client, settings.authMaxFailures(), settings.authFailureWindowSeconds());
        if (wait > 0) {
            metrics.authThrottled.incrementAndGet();
            throw new ApiError(
                    429,
                    "too_many_failures",
                    "too many failed logins from this address; retry in " + wait + " s",
                    Map.of("Retry-After", Long.toString(wait)));
        }
        if (authorization == null || authorization.isBlank()) {
            throw unauthorized("credentials required");
        }
        String[] scheme = authorization.strip().split("\\s+", 2);
        if (scheme.length != 2 || !scheme[0].equalsIgnoreCase("Basic")) {
            throw unauthorized("only HTTP Basic authentication is accepted");
        }
        char[] userAndPassword = decode(scheme[1]);
        if (userAndPassword == null) {
            failed(client, "(malformed)");
            throw unauthorized("malformed Basic credentials");
        }
        int colon = indexOf(userAndPassword, ':');
        String user = colon < 0 ? "" : new String(userAndPassword, 0, colon);
        char[] password =
                colon < 0 ? new char[0] : Arrays.copyOfRange(userAndPassword, colon + 1, userAndPassword.length);
        Arrays.fill(userAndPassword, '\0');
        try {
            if (user.isEmpty() || password.length == 0) {
                failed(client, user);
                throw unauthorized("user name and password required");
            }
            MailboxUsers backend = users.get();
            if (backend == null) {
                throw new ApiError(503, "auth_unavailable", "the user database (auth bundle) is not available now");
            }
            Optional<String> canonical = check(backend, user, password);
            if (canonical.isEmpty()) {
                failed(client, user);
                throw unauthorized("wrong user name or password");
            }
            if (!settings.isAdmin(canonical.get()) && !settings.isAdmin(user)) {
                LOG.warn(
                        "admin API: user {} from [{}] is not in admin_users", canonical.get(), client.getHostAddress());
                throw new ApiError(403, "forbidden", "user " + canonical.get() + " does not hold the admin role");
            }
            return new Admission(canonical.get());
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static Optional<String> check(MailboxUsers backend, String user, char[] password) {
        try {
            Optional<String> result =
                    backend.authenticate(user, password).toCompletableFuture().get(CHECK_SECONDS, TimeUnit.SECONDS);
            return result == null ? Optional.empty() : result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "auth_unavailable", "the server is stopping");
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn(
                    "admin API: password check failed: {}",
                    e.getCause() == null ? e.toString() : e.getCause().toString());
            throw new ApiError(503, "auth_unavailable", "the password check failed; try again later");
        }
    }

    private void failed(InetAddress client, String user) {
        metrics.authFailures.incrementAndGet();
        failures.failed(client, settings.authFailureWindowSeconds());
        // the user name may be a mistyped password: it is logged, the password never
        LOG.warn("admin API: failed login from [{}] user={}", client.getHostAddress(), user);
    }

    private static ApiError unauthorized(String message) {
        return new ApiError(401, "unauthorized", message, Map.of("WWW-Authenticate", REALM));
    }

    /** Base64 then strict UTF-8 into a char array (no String holding the password); null when malformed. */
    private static char[] decode(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            return null;
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw));
            char[] out = new char[chars.remaining()];
            chars.get(out);
            Arrays.fill(chars.array(), '\0');
            return out;
        } catch (CharacterCodingException e) {
            return null;
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static int indexOf(char[] chars, char c) {
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
