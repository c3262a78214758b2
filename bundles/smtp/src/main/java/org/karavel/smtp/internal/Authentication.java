package org.karavel.smtp.internal;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.karavel.api.address.MailAddress;
import org.karavel.api.auth.LoginFailures;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.net.CidrBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AUTH command (RFC 4954) of one session and who it authenticated: when AUTH may be used
 * (only under TLS, where {@code auth = true}), the failure throttle per client network (this
 * node's count at once; the fleet's, when shared, awaited with the password check: see
 * {@link ClientThrottles}), the check against the {@code MailboxUsers} service off the I/O thread,
 * and sender_login_match.
 * {@link SaslExchange} decodes the client's responses. Runs under the session's lock.
 */
final class Authentication {
    /** The session's logger: these are session events, and operators tune them as such. */
    private static final Logger LOG = LoggerFactory.getLogger(SmtpSession.class);

    private final SmtpSession session;
    private final SmtpListener listener;
    private final ListenerSettings settings;
    private String user;
    private SaslExchange exchange;

    Authentication(SmtpSession session) {
        this.session = session;
        this.listener = session.listener;
        this.settings = session.settings;
    }

    /** The authenticated user; null before a successful AUTH. */
    String user() {
        return user;
    }

    /** Whether an exchange waits for the client's next response line. */
    boolean exchanging() {
        return exchange != null;
    }

    /** Ends a waiting exchange (a bad line in its place). */
    void cancel() {
        exchange = null;
    }

    /** After STARTTLS: what was learnt in clear text is forgotten (RFC 3207 §4.2). */
    void forget() {
        user = null;
        session.view.authenticatedUser(null);
        exchange = null;
    }

    /** AUTH mechanism [initial-response]: PLAIN and LOGIN, only on an encrypted session. */
    void auth(String arg) {
        if (!settings.auth()) {
            session.error(Replies.AUTH_DISABLED); // auth = false: e.g. the MX listener, where users do not submit
            return;
        }
        if (listener.authFailures()
                .blocked(clientNetwork(), settings.authMaxFailures(), settings.authFailureWindowSeconds())) {
            tooManyFailures();
            return;
        }
        StartTls tls = session.tls;
        if (!tls.active()) {
            session.error(tls.required() ? Replies.MUST_STARTTLS : Replies.ENCRYPTION_REQUIRED);
            return;
        }
        if (session.beforeHelo(Command.AUTH)) {
            session.error(Replies.NEED_HELO);
            return;
        }
        if (user != null) {
            session.error(Replies.AUTH_AGAIN);
            return;
        }
        if (session.transaction().started()) {
            session.error(Replies.AUTH_IN_TRANSACTION);
            return;
        }
        Reply refusal = SaslExchange.refusal(arg);
        if (refusal != null) {
            session.error(refusal);
            return;
        }
        if (listener.users() == null) {
            session.reply(Replies.AUTH_TEMPORARY);
            return;
        }
        exchange = SaslExchange.start(arg);
        next(exchange.begin());
    }

    /** One response line of the client in the exchange. Never logged. */
    void response(String line) {
        next(exchange.respond(line));
    }

    private void next(SaslExchange.Step step) {
        String mechanism = exchange.mechanism;
        if (step instanceof SaslExchange.Challenge c) {
            session.reply(c.reply());
            return;
        }
        exchange = null;
        if (step instanceof SaslExchange.Refusal r) {
            session.error(r.reply());
        } else if (step instanceof SaslExchange.Credentials c) {
            verify(mechanism, c.username(), c.password());
        } else {
            failed(mechanism, false);
        }
    }

    /** Asks the backend off the I/O thread; the password is zeroed once its stage has completed. */
    private void verify(String mechanism, String username, char[] password) {
        MailboxUsers users = listener.users();
        if (users == null) {
            Arrays.fill(password, '\0');
            session.reply(Replies.AUTH_TEMPORARY);
            return;
        }
        // counted as a failure before the check, so parallel sessions cannot overshoot the limit
        CidrBlock network = clientNetwork();
        int window = settings.authFailureWindowSeconds();
        if (!listener.authFailures().attempt(network, settings.authMaxFailures(), window)) {
            Arrays.fill(password, '\0');
            tooManyFailures();
            return;
        }
        // the fleet's count is asked beside the password check and awaited with it, never on the I/O thread
        CompletableFuture<Long> fleet = listener.throttles().authAttemptShared(network, window);
        CompletableFuture<Optional<String>> checked = new CompletableFuture<>();
        try {
            users.authenticate(username, password).whenComplete((found, failure) -> {
                Arrays.fill(password, '\0');
                if (failure != null) {
                    checked.completeExceptionally(failure);
                } else {
                    checked.complete(found == null ? Optional.empty() : found);
                }
            });
        } catch (RuntimeException e) {
            Arrays.fill(password, '\0');
            checked.completeExceptionally(e);
        }
        CompletableFuture<Void> both = CompletableFuture.allOf(checked, fleet).handle((v, x) -> null);
        session.await(both, (v, x) -> checked(mechanism, network, fleet.getNow(null), checked), false);
    }

    /** @param fleetCount the fleet's count of failures with this try, or null: this node's count decided */
    private void checked(
            String mechanism, CidrBlock network, Long fleetCount, CompletableFuture<Optional<String>> checked) {
        int window = settings.authFailureWindowSeconds();
        int max = settings.authMaxFailures();
        if (fleetCount != null && fleetCount > max) {
            // refused whatever the password, as on one node; this node now refuses at AUTH without asking
            LoginFailures here = listener.authFailures();
            for (int i = 0; i < max && !here.blocked(network, max, window); i++) {
                here.failed(network, window);
            }
            tooManyFailures();
            return;
        }
        Throwable failure = checked.handle((ignored, x) -> x).getNow(null);
        Optional<String> found = failure == null ? checked.getNow(Optional.empty()) : Optional.empty();
        if (failure != null || found.isPresent()) {
            listener.authFailures().succeeded(network); // a success, or not the client's failure
            if (fleetCount != null) {
                listener.throttles().authSucceededShared(network, window);
            }
        }
        if (failure != null) {
            LOG.warn("{}: authentication backend failed: {}", session.id(), failure.toString());
            session.reply(Replies.AUTH_TEMPORARY);
        } else if (found.isPresent()) {
            user = found.get();
            session.view.authenticatedUser(user);
            LOG.info("{}: client [{}] authenticated as {} ({})", session.id(), session.clientIp, user, mechanism);
            session.reply(Replies.AUTH_OK);
        } else {
            failed(mechanism, true);
        }
    }

    /** @param counted whether {@link #verify} counted it already */
    private void failed(String mechanism, boolean counted) {
        if (!counted) {
            CidrBlock network = clientNetwork();
            listener.authFailures().failed(network, settings.authFailureWindowSeconds());
            listener.throttles().authFailedShared(network, settings.authFailureWindowSeconds());
        }
        listener.counters().authFailure(settings.name());
        LOG.info("{}: AUTH {} failed from [{}]", session.id(), mechanism, session.clientIp);
        session.error(Replies.AUTH_FAILED);
    }

    /** The client's network as the AUTH throttle counts it (client_ipv4/ipv6_prefix_length). */
    private CidrBlock clientNetwork() {
        return settings.clientNetwork(session.view.clientAddress().getAddress());
    }

    private void tooManyFailures() {
        LOG.info("{}: AUTH from [{}] refused: too many failed authentications", session.id(), session.clientIp);
        session.reply(Replies.tooManyAuthFailures(settings.hostname()));
        session.close(true);
    }

    /**
     * sender_login_match, on every authenticated session: the refusal when the user may not use
     * this MAIL FROM address (the null sender is allowed), else null.
     */
    Reply refusesSender(MailAddress address) {
        if (user == null || address.isNullSender() || ownsSender(address)) {
            return null;
        }
        return Replies.senderNotOwned(address.toPath(), user);
    }

    private boolean ownsSender(MailAddress address) {
        MailboxUsers users = listener.users();
        if (users == null) {
            return false;
        }
        Set<MailAddress> allowed = users.allowedSenders(user);
        return allowed != null && allowed.contains(address);
    }
}
