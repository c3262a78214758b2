package org.karavel.api.domain;

import java.util.Set;

/** Which domains this server is the final destination for, and which it relays for. */
public interface MailDomains {
    /** Whether mail for this domain is delivered here (case-insensitive). */
    boolean isLocal(String domain);

    /** Whether mail for this domain is accepted from anyone and relayed to the domain's MX. */
    boolean isRelayDomain(String domain);

    /** The local domains, lower case. */
    Set<String> localDomains();
}
