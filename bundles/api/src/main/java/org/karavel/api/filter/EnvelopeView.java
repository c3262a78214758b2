package org.karavel.api.filter;

import java.util.List;
import java.util.Map;
import org.karavel.api.address.MailAddress;

/** A read-only view of the envelope of the message being received. */
public interface EnvelopeView {
    /** The reverse-path given in MAIL FROM; {@link MailAddress#NULL_SENDER} for {@code <>}. */
    MailAddress sender();

    /** The recipients accepted so far, in the order given. */
    List<MailAddress> recipients();

    /** The parameters of MAIL FROM (e.g. {@code SIZE}, {@code BODY}), upper-case keys. */
    Map<String, String> mailParameters();
}
