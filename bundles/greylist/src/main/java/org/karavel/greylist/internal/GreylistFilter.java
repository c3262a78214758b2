package org.karavel.greylist.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.fleet.SharedGreylist;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The greylist at RCPT TO. Exemptions (other listeners, authenticated sessions, pass lists,
 * postmaster) are decided here on the caller's thread, from memory; the triplet check goes to the
 * greylist thread, or to the fleet's shared greylist (Redis) when one is published, which fails
 * open. Passing is "no opinion", never accept: filters ranked lower still get their say.
 * The SMTP bundle writes the mail-log line of a deferral, so none is written here.
 */
final class GreylistFilter implements SmtpFilter {
    private static final Logger LOG = LoggerFactory.getLogger(GreylistFilter.class);

    private final GreylistSettings settings;
    private final PassLists passLists;
    private final GreylistDatabase database;
    private final GreylistCounters counters;
    private final SharedDecisions shared;

    /** Decisions by the embedded database only. */
    GreylistFilter(GreylistSettings settings, GreylistDatabase database, GreylistCounters counters) {
        this(settings, database, counters, new SharedDecisions(() -> null, counters, Clock.systemUTC()));
    }

    /** Decisions by the fleet's shared greylist while one is published, else by the embedded database. */
    GreylistFilter(
            GreylistSettings settings, GreylistDatabase database, GreylistCounters counters, SharedDecisions shared) {
        this.settings = settings;
        this.passLists = new PassLists(settings);
        this.database = database;
        this.counters = counters;
        this.shared = shared;
    }

    @Override
    public CompletionStage<Verdict> rcptTo(SessionView session, EnvelopeView envelope, MailAddress recipient) {
        if (!settings.enabled() || !settings.listeners().contains(session.listenerName())) {
            return Verdict.noOpinion().stage();
        }
        if (session.authenticatedUser().isPresent()) {
            return pass(PassReason.AUTHENTICATED);
        }
        if (Boolean.TRUE.equals(session.attributes().get(SessionView.RELAY_CLIENT))) {
            return pass(PassReason.RELAY_HOST);
        }
        InetSocketAddress socket = session.clientAddress();
        InetAddress client = socket == null ? null : socket.getAddress();
        if (client == null) {
            return Verdict.noOpinion().stage(); // no address to greylist on (an unresolved test address)
        }
        MailAddress sender = envelope.sender();
        if (passLists.client(client) || passLists.sender(sender) || passLists.recipient(recipient)) {
            return pass(PassReason.PASS_LIST);
        }
        Triplet triplet = Triplet.of(client, sender, recipient, settings.ipv4Prefix(), settings.ipv6Prefix());
        CompletionStage<Decision> decision;
        SharedGreylist fleet = shared.current();
        try {
            decision = fleet != null
                    ? shared.check(fleet, database, settings, client, triplet)
                    : database.check(client, triplet);
        } catch (RuntimeException ex) {
            // the database is closing (bundle stopping): the session turns this into 451
            return CompletableFuture.failedFuture(ex);
        }
        return decision.thenApply(d -> {
            counters.count(d);
            if (!d.deferred()) {
                return Verdict.noOpinion();
            }
            LOG.debug(
                    "greylist: {} deferred {} {} {} for {} s",
                    session.sessionId(),
                    triplet.clientNetwork(),
                    triplet.sender(),
                    triplet.recipient(),
                    d.retryInSeconds());
            return Verdict.defer(450, "4.2.0", "Greylisted, please try again in " + d.retryInSeconds() + " seconds");
        });
    }

    private CompletionStage<Verdict> pass(PassReason reason) {
        counters.count(Decision.pass(reason));
        return Verdict.noOpinion().stage();
    }
}
