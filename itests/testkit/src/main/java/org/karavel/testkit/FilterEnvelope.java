package org.karavel.testkit;

import java.util.List;
import java.util.Map;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.EnvelopeView;

/** The envelope an SmtpFilter sees, for unit tests: a sender, the recipients accepted so far, the MAIL parameters. */
public record FilterEnvelope(MailAddress sender, List<MailAddress> recipients, Map<String, String> mailParameters)
        implements EnvelopeView {

    public FilterEnvelope {
        recipients = List.copyOf(recipients);
        mailParameters = Map.copyOf(mailParameters);
    }

    /** An envelope with this sender, no recipients accepted yet and no MAIL parameters. */
    public static FilterEnvelope from(MailAddress sender) {
        return new FilterEnvelope(sender, List.of(), Map.of());
    }

    /** The same, parsing the sender; an empty string is the null sender {@code <>}. */
    public static FilterEnvelope from(String sender) throws AddressSyntaxException {
        return from(sender.isEmpty() ? MailAddress.NULL_SENDER : MailAddress.parse(sender));
    }
}
