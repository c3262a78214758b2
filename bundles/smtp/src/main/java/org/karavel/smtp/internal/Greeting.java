package org.karavel.smtp.internal;

import java.util.concurrent.CompletableFuture;
import org.karavel.api.filter.Verdict;

/**
 * How a session opens: the 220 greeting (or the refusal of the CONNECT filters) and EHLO/HELO,
 * with what they leave behind: the client's name and whether it said EHLO (ESMTP). STARTTLS
 * forgets both (RFC 3207 §4.2). Runs under the session's lock.
 */
final class Greeting {
    private final SmtpSession session;
    private final ListenerSettings settings;
    private String helo;
    private boolean extended;
    private CompletableFuture<Long> fleetConnections;

    Greeting(SmtpSession session) {
        this.session = session;
        this.settings = session.settings;
    }

    /** The HELO/EHLO name the filters accepted; null before. */
    String name() {
        return helo;
    }

    /** Whether that was EHLO: the service extensions (parameters, BDAT) may be used. */
    boolean extended() {
        return extended;
    }

    void forget() {
        helo = null;
        extended = false;
        session.view.helo(null, false);
    }

    /**
     * The connection is open: the CONNECT filters run while the fleet counts this client's
     * connections (null: decided on this node's count, already checked). The count is awaited after
     * the greeting, before the first command, so the store's round trip overlaps the client's own.
     */
    void open(CompletableFuture<Long> fleetConnections) {
        this.fleetConnections = fleetConnections;
        session.stages.run("CONNECT", f -> f.connect(session.view), this::connected);
    }

    private void tooManyConnections(long count) {
        SmtpSession.LOG.info(
                "{}: [{}] refused: {} connections within a minute across the fleet (max_connection_rate_per_ip {})",
                session.id(),
                session.clientIp,
                count,
                settings.maxConnectionRatePerIp());
        session.listener.counters().rejected(settings.name(), "connection_rate");
        session.reply(Replies.tooManyConnectionsPerMinute(settings.hostname()));
        session.close(true);
    }

    /** The CONNECT stage's result: the 220, or the refusal that ends the session. */
    void connected(StageResult result) {
        if (result.passed()) {
            session.acceptCommands();
            session.reply(Replies.greeting(settings.hostname()));
            CompletableFuture<Long> count = fleetConnections;
            fleetConnections = null;
            if (count != null) {
                // over the fleet's rate: the 421 answers the first command, which is executed only after
                // this (it is read meanwhile: with reading suspended, nothing would resume it at once)
                session.readDuringWait(true);
                session.await(
                        count,
                        (n, failure) -> {
                            session.readDuringWait(false);
                            if (n != null && n > settings.maxConnectionRatePerIp()) {
                                tooManyConnections(n);
                            }
                        },
                        false);
            }
        } else if (result.outcome() == StageResult.Outcome.FAILED) {
            session.reply(Replies.connectFilterFailure(settings.hostname()));
            session.close(true);
        } else {
            Verdict v = result.verdict();
            Reply r = v.kind() == Verdict.Kind.DEFER
                    ? Reply.of(421, v.enhancedCode(), settings.hostname() + " " + v.text())
                    : Reply.of(v.code(), v.enhancedCode(), v.text());
            session.listener.mailLog().reject(null, "CONNECT", session.clientIp, r, null, null, null);
            session.listener.counters().rejected(settings.name(), result.filterName());
            session.reply(r);
            session.close(true);
        }
    }

    /** EHLO ({@code isExtended}) or HELO: a new transaction, the filters asked, then the extensions offered. */
    void command(String arg, boolean isExtended) {
        if (!CommandSyntax.isHeloName(arg)) {
            session.error(isExtended ? Replies.SYNTAX_EHLO : Replies.SYNTAX_HELO);
            return;
        }
        session.resetTransaction(); // RFC 5321 §4.1.4: EHLO/HELO also reset the transaction
        String previous = helo;
        boolean previousExtended = extended;
        session.view.helo(arg, isExtended);
        String stage = isExtended ? "EHLO" : "HELO";
        session.stages.run(stage, f -> f.helo(session.view, arg), result -> {
            if (result.passed()) {
                helo = arg;
                extended = isExtended;
                if (isExtended) {
                    session.replyRaw(Replies.ehlo(
                            settings.hostname(),
                            session.tls.offered(),
                            session.tls.active() && settings.auth(),
                            settings.maxMessageSize()));
                } else {
                    session.reply(Replies.helo(settings.hostname()));
                }
            } else {
                session.view.helo(previous, previousExtended);
                session.stages.refuse(stage, result, null, session.transaction().sender, null);
            }
        });
    }
}
