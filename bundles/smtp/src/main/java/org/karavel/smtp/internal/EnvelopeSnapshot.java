package org.karavel.smtp.internal;

import java.util.List;
import java.util.Map;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.EnvelopeView;

/** The envelope as it stands when a filter is asked: an immutable copy, safe on any thread. */
record EnvelopeSnapshot(MailAddress sender, List<MailAddress> recipients, Map<String, String> mailParameters)
        implements EnvelopeView {
    EnvelopeSnapshot {
        recipients = List.copyOf(recipients);
        mailParameters = Map.copyOf(mailParameters);
    }
}
