package org.karavel.relay.internal;

import java.net.InetAddress;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.karavel.api.address.MailAddress;
import org.karavel.api.config.ListProperty;
import org.karavel.api.filter.Verdict;
import org.karavel.api.net.CidrBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may send where, as one immutable snapshot of the configuration (a configuration change
 * builds a new one). Mail for a local or relay domain is for everyone; mail for any other domain only
 * from a relay host or an authenticated client; source-routing address forms from nobody.
 */
public final class RelayPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(RelayPolicy.class);

    /**
     * Characters that route mail in some old or other MTA when they appear in a local part: {@code %}
     * (the "percent hack"), {@code !} (UUCP bang paths) and {@code @} (in a quoted local part).
     */
    private static final String ROUTING_CHARACTERS = "@%!";

    private final DomainSet localDomains;
    private final DomainSet relayDomains;
    private final List<CidrBlock> relayHosts;

    public RelayPolicy(List<String> localDomains, List<String> relayDomains, List<CidrBlock> relayHosts) {
        this.localDomains = new DomainSet(localDomains, false);
        this.relayDomains = new DomainSet(relayDomains, true);
        this.relayHosts = List.copyOf(relayHosts);
    }

    /**
     * The policy from configuration text. An entry that cannot be parsed is logged and left out, so
     * that a typo narrows what is allowed and never fails the policy (which would leave no relay
     * filter at all).
     */
    public static RelayPolicy from(String[] localDomains, String[] relayDomains, String[] relayHosts) {
        List<CidrBlock> hosts = new ArrayList<>();
        for (String h : ListProperty.entries(relayHosts)) {
            try {
                hosts.add(CidrBlock.parse(h));
            } catch (IllegalArgumentException e) {
                LOG.error("relay_hosts: ignoring '{}': {}", h, e.getMessage());
            }
        }
        return new RelayPolicy(ListProperty.entries(localDomains), ListProperty.entries(relayDomains), hosts);
    }

    public boolean isLocal(String domain) {
        return localDomains.contains(domain);
    }

    public boolean isRelayDomain(String domain) {
        return relayDomains.contains(domain);
    }

    public Set<String> localDomains() {
        return localDomains.names();
    }

    /** Whether this client may send mail to any domain (it lies in relay_hosts). */
    public boolean isRelayHost(InetAddress client) {
        for (CidrBlock block : relayHosts) {
            if (block.contains(client)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The verdict for one recipient: no opinion when the mail is allowed (so later filters still
     * run), a 5.7.1 refusal when it is not.
     *
     * @param client the client's IP address (null if unknown: then it is no relay host)
     * @param authenticated whether the client authenticated with SMTP AUTH
     */
    public Verdict recipient(MailAddress recipient, InetAddress client, boolean authenticated) {
        if (hasRoutingForm(recipient)) {
            return Verdict.reject(550, "5.7.1", "<" + recipient + ">: Relay access denied (address form not allowed)");
        }
        if (!recipient.isAddressLiteral() && (isLocal(recipient.domain()) || isRelayDomain(recipient.domain()))) {
            return Verdict.noOpinion();
        }
        if (authenticated || isRelayHost(client)) {
            return Verdict.noOpinion();
        }
        return Verdict.reject(554, "5.7.1", "<" + recipient + ">: Relay access denied");
    }

    /**
     * Whether the local part holds {@code @}, {@code %} or {@code !}, quoted or not, or a compatibility
     * form of them (fullwidth {@code ＠}, small {@code ﹪}, ...) that a later hop could normalize into one.
     * Such addresses are refused from every client and for every domain: the next hop (or a local
     * delivery agent) may treat them as a route to somewhere else, and no real mailbox needs them.
     */
    static boolean hasRoutingForm(MailAddress address) {
        if (address.isNullSender()) {
            return false;
        }
        String local = Normalizer.normalize(address.localPart(), Normalizer.Form.NFKC);
        for (int i = 0; i < local.length(); i++) {
            if (ROUTING_CHARACTERS.indexOf(local.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "local_domains=" + localDomains.names() + " relay_domains=" + relayDomains.names()
                + (relayDomains.patterns().isEmpty() ? "" : " + subdomains of " + relayDomains.patterns())
                + " relay_hosts=" + relayHosts;
    }
}
