package org.karavel.api.filter;

import java.util.concurrent.CompletionStage;
import org.karavel.api.address.MailAddress;

/**
 * A filter that takes part in every SMTP session. Register an implementation as an OSGi service;
 * the SMTP listener asks all filters in order of {@code service.ranking} (highest first) at each
 * stage until one gives a final verdict.
 *
 * <p>Every stage has a default that says "no opinion", so a filter overrides only what it needs.
 * Return a stage rather than blocking: the session waits for it without holding a network thread.
 * A filter that throws, fails its stage, or does not answer within its time limit counts as a
 * temporary failure ({@code 451 4.3.0}) for that stage; the session goes on.
 *
 * <p>Service properties: {@link #NAME} (for logs and {@code mta:filters}) and optionally
 * {@link #TIMEOUT_MILLIS}.
 */
public interface SmtpFilter {
    /** Service property: the filter's name, for logs. Defaults to the class name. */
    String NAME = "karavel.filter.name";

    /** Service property: how long a stage may take, in milliseconds (default 30000). */
    String TIMEOUT_MILLIS = "karavel.filter.timeout.ms";

    /** When the client has connected, before the greeting. A reject here closes with 554. */
    default CompletionStage<Verdict> connect(SessionView session) {
        return Verdict.noOpinion().stage();
    }

    /** After HELO or EHLO; {@link SessionView#heloName()} holds the name given. */
    default CompletionStage<Verdict> helo(SessionView session, String heloName) {
        return Verdict.noOpinion().stage();
    }

    /** At MAIL FROM, with the reverse-path ({@link MailAddress#NULL_SENDER} for {@code <>}). */
    default CompletionStage<Verdict> mailFrom(SessionView session, EnvelopeView envelope, MailAddress sender) {
        return Verdict.noOpinion().stage();
    }

    /**
     * At each RCPT TO. {@code envelope.recipients()} holds the recipients accepted before this one.
     * If no filter accepts or rejects a recipient, it is accepted.
     */
    default CompletionStage<Verdict> rcptTo(SessionView session, EnvelopeView envelope, MailAddress recipient) {
        return Verdict.noOpinion().stage();
    }

    /**
     * At end of data, before the message is queued. Headers of every verdict are added to the message.
     */
    default CompletionStage<Verdict> endOfMessage(SessionView session, EnvelopeView envelope, MessageView message) {
        return Verdict.noOpinion().stage();
    }
}
