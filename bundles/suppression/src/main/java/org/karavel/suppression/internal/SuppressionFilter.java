package org.karavel.suppression.internal;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.karavel.api.address.MailAddress;
import org.karavel.api.events.MessageEvent;
import org.karavel.api.events.MessageEvents;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.suppression.Suppression;
import org.karavel.api.suppression.SuppressionList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The suppression list at RCPT TO. Who it applies to is decided on the caller's thread from the
 * session: an authenticated user in {@code applies_to_users} (any listener), or a relaying sender
 * (a relay_hosts client or an authenticated user) on a listener in {@code applies_to_listeners}.
 * Internet clients never are. The lookup is the list's {@link SuppressionList#lookup}; a list that
 * cannot answer lets the recipient through (counted, WARN): suppression saves a bounce, it must not
 * stop mail. The SMTP bundle writes the mail-log line of the refusal.
 */
final class SuppressionFilter implements SmtpFilter {
    private static final Logger LOG = LoggerFactory.getLogger(SuppressionFilter.class);
    /** Room for the address and the words around the reason in a 512-octet reply line. */
    private static final int MAX_REASON_IN_REPLY = 200;

    private final SuppressionSettings settings;
    private final Supplier<SuppressionList> list;
    private final SuppressionCounters counters;
    private final Supplier<MessageEvents> events;
    private final Clock clock;

    SuppressionFilter(
            SuppressionSettings settings,
            SuppressionList list,
            SuppressionCounters counters,
            Supplier<MessageEvents> events,
            Clock clock) {
        this(settings, () -> list, counters, events, clock);
    }

    /** Looks up in whichever list {@code list} gives at the time (the fleet's shared one when published). */
    SuppressionFilter(
            SuppressionSettings settings,
            Supplier<SuppressionList> list,
            SuppressionCounters counters,
            Supplier<MessageEvents> events,
            Clock clock) {
        this.settings = settings;
        this.list = list;
        this.counters = counters;
        this.events = events;
        this.clock = clock;
    }

    @Override
    public CompletionStage<Verdict> rcptTo(SessionView session, EnvelopeView envelope, MailAddress recipient) {
        if (!settings.enabled() || !appliesTo(session)) {
            return Verdict.noOpinion().stage();
        }
        String key;
        try {
            key = Suppression.key(recipient);
        } catch (IllegalArgumentException e) {
            return Verdict.noOpinion().stage();
        }
        CompletionStage<Optional<Suppression>> found;
        try {
            found = list.get().lookup(key);
        } catch (RuntimeException | IllegalAccessError e) {
            return failedLookup(session, e);
        }
        return found.handle((entry, failure) -> {
            if (failure != null) {
                failedLookup(session, failure);
                return Verdict.noOpinion();
            }
            if (entry.isEmpty()) {
                return Verdict.noOpinion();
            }
            return refuse(session, envelope, recipient, entry.get());
        });
    }

    /** Whether the session's sender is one of the applications the list applies to. */
    boolean appliesTo(SessionView session) {
        Optional<String> user = session.authenticatedUser();
        if (user.isPresent() && settings.users().contains(user.get().toLowerCase(Locale.ROOT))) {
            return true;
        }
        if (!settings.listeners().contains(session.listenerName().toLowerCase(Locale.ROOT))) {
            return false;
        }
        return user.isPresent() || Boolean.TRUE.equals(session.attributes().get(SessionView.RELAY_CLIENT));
    }

    private Verdict refuse(SessionView session, EnvelopeView envelope, MailAddress recipient, Suppression s) {
        counters.refused();
        Verdict v = Verdict.reject(550, "5.1.1", replyText(recipient, s));
        publish(session, envelope, recipient, s, v);
        return v;
    }

    /** {@code <bob@example.com>: Recipient address rejected (suppressed: 550 5.1.1 user unknown)}. */
    static String replyText(MailAddress recipient, Suppression s) {
        String why = s.reason().isEmpty() ? s.category() : s.reason();
        StringBuilder ascii = new StringBuilder();
        for (int i = 0; i < why.length() && ascii.length() < MAX_REASON_IN_REPLY; i++) {
            char c = why.charAt(i);
            ascii.append(c >= ' ' && c < 0x7f ? c : '?');
        }
        String address = recipient.needsSmtpUtf8() ? s.address() : recipient.toString();
        return "<" + address + ">: Recipient address rejected (suppressed: "
                + ascii.toString().strip() + ")";
    }

    private void publish(SessionView session, EnvelopeView envelope, MailAddress recipient, Suppression s, Verdict v) {
        MessageEvents sink = events.get();
        if (sink == null) {
            return;
        }
        try {
            InetSocketAddress client = session.clientAddress();
            String ip = client == null || client.getAddress() == null
                    ? ""
                    : client.getAddress().getHostAddress();
            MessageEvent e = MessageEvent.of(MessageEvent.Type.SUPPRESSED, clock.instant(), "")
                    .withEnvelope(
                            envelope.sender().toString(),
                            List.of(recipient.toString()),
                            session.listenerName(),
                            ip,
                            session.authenticatedUser().orElse(""))
                    .withOutcome("", v.code() + " " + v.enhancedCode() + " " + v.text(), s.category(), 0);
            sink.publish(e);
        } catch (RuntimeException ex) {
            // the events bundle's trouble must not turn a refusal into a 451
            LOG.warn("suppression: cannot publish the suppressed event: {}", ex.toString());
        }
    }

    private CompletionStage<Verdict> failedLookup(SessionView session, Throwable e) {
        counters.lookupFailed();
        LOG.warn("suppression: {} lookup failed, recipient let through: {}", session.sessionId(), e.toString());
        return Verdict.noOpinion().stage();
    }
}
