package org.karavel.relay.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.karavel.api.address.MailAddress;
import org.karavel.api.domain.MailDomains;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay policy as two services from one component: {@link MailDomains} for the bundles that
 * route mail, and the {@code relay} {@link SmtpFilter} (ranked high, so it speaks before the other
 * filters). A configuration change swaps the policy at once; the services stay registered.
 */
@Component(
        service = {MailDomains.class, SmtpFilter.class},
        configurationPid = "org.karavel.relay",
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {
            SmtpFilter.NAME + "=relay",
            "service.ranking:Integer=1000"
        })
@Designate(ocd = RelayConfig.class)
public final class RelayComponent implements MailDomains, SmtpFilter {
    private static final Logger LOG = LoggerFactory.getLogger(RelayComponent.class);

    private volatile RelayPolicy policy;

    @Activate
    void activate(RelayConfig config) {
        apply(config);
    }

    @Modified
    void modified(RelayConfig config) {
        apply(config);
    }

    private void apply(RelayConfig config) {
        RelayPolicy next = RelayPolicy.from(config.local__domains(), config.relay__domains(), config.relay__hosts());
        policy = next;
        LOG.info("relay policy: {}", next);
    }

    /** The policy in force (for tests and diagnostics). */
    RelayPolicy policy() {
        return policy;
    }

    @Override
    public boolean isLocal(String domain) {
        return policy.isLocal(domain);
    }

    @Override
    public boolean isRelayDomain(String domain) {
        return policy.isRelayDomain(domain);
    }

    @Override
    public Set<String> localDomains() {
        return policy.localDomains();
    }

    /** Marks a relay host's session so that the spam filters after this one exempt it. */
    @Override
    public CompletionStage<Verdict> connect(SessionView session) {
        markRelayHost(session);
        return Verdict.noOpinion().stage();
    }

    /**
     * Marks a relay host's session (again) at each recipient: a session that connected while this
     * bundle was being updated missed the mark at connect, and its message would otherwise count as
     * the Internet's (DMARC-checked, never DKIM-signed). No recipient is accepted without this filter
     * (required_filters), so every accepted message of a relay host carries the mark.
     */
    private void markRelayHost(SessionView session) {
        InetSocketAddress client = session.clientAddress();
        if (client != null && client.getAddress() != null && policy.isRelayHost(client.getAddress())) {
            session.attributes().put(SessionView.RELAY_CLIENT, Boolean.TRUE);
        }
    }

    @Override
    public CompletionStage<Verdict> rcptTo(SessionView session, EnvelopeView envelope, MailAddress recipient) {
        markRelayHost(session);
        InetSocketAddress client = session.clientAddress();
        InetAddress ip = client == null ? null : client.getAddress();
        Verdict verdict = policy.recipient(recipient, ip, session.authenticatedUser().filter(u -> !u.isEmpty()).isPresent());
        if (verdict.isFinal()) {
            LOG.debug("{}: {} from {}", session.sessionId(), verdict, client);
        }
        return verdict.stage();
    }
}
