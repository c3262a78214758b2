package org.karavel.smtp.internal;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.karavel.api.auth.LoginFailures;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.events.MessageEvents;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.fleet.SharedCounters;
import org.karavel.api.health.HealthCheck;
import org.karavel.api.net.MachineName;
import org.karavel.api.net.RelayHosts;
import org.karavel.api.queue.Spool;
import org.karavel.api.recipient.RecipientExpansion;
import org.karavel.api.tls.ServerTls;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP listener per factory configuration {@code org.karavel.smtp.listener}
 * ({@code etc/org.karavel.smtp.listener-mx.cfg}, {@code -submission.cfg}, ...).
 *
 * <p>The spool, the filters, the certificate service and the AUTH backend are dynamic references, so that restarting the spool bundle or
 * deploying a filter never closes the listener. A port that cannot be bound is logged once, as
 * one ERROR naming the file to edit; the component stays active, and editing the file retries.
 */
@Component(
        name = "org.karavel.smtp.listener",
        configurationPid = "org.karavel.smtp.listener",
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true,
        service = HealthCheck.class)
@Designate(ocd = ListenerConfig.class, factory = true)
public class ListenerComponent implements HealthCheck {
    /** One count of failed AUTH per client for all listeners of this bundle (587 and 465 alike). */
    private static final LoginFailures AUTH_FAILURES = new LoginFailures();

    static final String FACTORY_PID = "org.karavel.smtp.listener";
    private static final Logger LOG = LoggerFactory.getLogger(ListenerComponent.class);

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Spool spool;

    /** Asked for a fresh snapshot at every handshake, so a renewed certificate is served at once. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ServerTls serverTls;

    /** The AUTH backend; without it AUTH gets 454 4.7.0 and the listener keeps running. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MailboxUsers mailboxUsers;

    /** The relay policy's relay_hosts, exempt from the per-client limit by default (client_limit_exceptions). */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RelayHosts relayHosts;

    /** The virtual alias map; without it recipients are queued as the client gave them. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RecipientExpansion recipientExpansion;

    /** Message events for senders' applications; without the service none are published. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MessageEvents messageEvents;

    /** The fleet's shared counts (a store bundle publishes it when configured); without it every count is this node's. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile SharedCounters sharedCounters;

    private final FilterChain filters = new FilterChain();
    private final MailLog mailLog = MailLog.slf4j();
    private SmtpListener listener;
    /** What {@link #detail()} says: the bound address, or why nothing is bound. Read without locking. */
    private volatile String healthName = "smtp.listener";

    private volatile String healthDetail = "not started";
    private volatile boolean healthReady;

    @Reference(
            name = "filter",
            service = SmtpFilter.class,
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeFilter",
            updated = "updatedFilter")
    void addFilter(SmtpFilter filter, Map<String, Object> properties) {
        FilterEntry entry = FilterEntry.of(filter, properties);
        filters.add(entry);
        LOG.info("SMTP filter '{}' added (ranking {})", entry.name(), entry.ranking());
    }

    void updatedFilter(SmtpFilter filter, Map<String, Object> properties) {
        filters.add(FilterEntry.of(filter, properties));
    }

    void removeFilter(SmtpFilter filter, Map<String, Object> properties) {
        filters.remove(filter);
        LOG.info("SMTP filter '{}' removed", FilterEntry.of(filter, properties).name());
    }

    @Activate
    synchronized void activate(ListenerConfig config, Map<String, Object> properties) {
        apply(config, properties);
    }

    /** A configuration change: same address and port → new sessions get the new settings; else rebind. */
    @Modified
    synchronized void modified(ListenerConfig config, Map<String, Object> properties) {
        apply(config, properties);
    }

    @Deactivate
    synchronized void deactivate() {
        stopListener();
        healthDetail = "stopped";
    }

    private void stopListener() {
        healthReady = false;
        if (listener != null) {
            listener.stop();
            listener = null;
        }
    }

    @Override
    public String name() {
        return healthName;
    }

    /** Ready while the socket is bound. Never blocks: volatile reads only. */
    @Override
    public boolean ready() {
        return healthReady;
    }

    @Override
    public String detail() {
        return healthDetail;
    }

    /** The running listener, for tests; null when it could not start. */
    synchronized SmtpListener listener() {
        return listener;
    }

    private void apply(ListenerConfig config, Map<String, Object> properties) {
        String where = configurationLocation(properties);
        ListenerSettings settings;
        try {
            settings = ListenerSettings.from(
                    config,
                    config.hostname() == null || config.hostname().isBlank() ? defaultHostname() : config.hostname());
        } catch (IllegalArgumentException e) {
            LOG.error("SMTP listener not started: {}. Correct it in {}", e.getMessage(), where);
            stopListener();
            healthName =
                    "smtp.listener." + (config.name() == null || config.name().isBlank() ? "unnamed" : config.name());
            healthDetail = "not started: " + e.getMessage();
            return;
        }
        healthName = "smtp.listener." + settings.name();
        if (!config.sender__login__match()) {
            LOG.warn(
                    "SMTP listener '{}': sender_login_match = false is ignored: an authenticated client may only use "
                            + "its own sender addresses wherever AUTH is offered (aliases_file adds more). Remove the line from {}",
                    settings.name(),
                    where);
        }
        if (listener != null && listener.isRunning() && listener.settings().sameSocket(settings)) {
            listener.reconfigure(settings);
            LOG.info("SMTP listener '{}' reconfigured; new sessions use the new settings", settings.name());
            return;
        }
        stopListener();
        SmtpListener next = new SmtpListener(
                        settings,
                        () -> spool,
                        filters,
                        mailLog,
                        () -> serverTls,
                        () -> mailboxUsers,
                        AUTH_FAILURES,
                        SmtpCounters.BUNDLE)
                .relayHosts(() -> relayHosts)
                .sharedCounters(() -> sharedCounters);
        next.recipientExpansion(() -> recipientExpansion);
        next.messageEvents(new MessageEventsOut(() -> messageEvents));
        try {
            next.start();
            listener = next;
            healthDetail = "listening on "
                    + next.localAddresses().stream()
                            .map(ListenerComponent::hostPort)
                            .collect(Collectors.joining(", "));
            healthReady = true;
        } catch (IOException | RuntimeException e) {
            String failure = bindFailure(settings.address(), settings.port(), e, where);
            healthDetail = failure;
            LOG.error(failure);
        }
    }

    /**
     * One line that tells the operator what went wrong and what to edit, e.g. {@code Cannot listen
     * on 0.0.0.0:25: Permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE). Set
     * another port in /opt/karavel/etc/org.karavel.smtp.listener-mx.cfg}.
     */
    static String bindFailure(String address, int port, Exception failure, String where) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause(); // MINA wraps the BindException in its own IOException
        }
        String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        String lower = reason.toLowerCase(Locale.ROOT);
        String hint = "";
        String change = "port";
        if (lower.contains("permission denied") || lower.contains("access denied")) {
            hint = port < 1024 ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" : "";
        } else if (lower.contains("already in use")) {
            hint = " (another program listens there)";
        } else if (lower.contains("cannot assign") || cause instanceof UnknownHostException) {
            hint = " (no such address on this machine)";
            change = "address";
        } else if (!(cause instanceof BindException)) {
            change = "address or port";
        }
        String hostPort = ListenerSettings.names(new String[] {address}).stream()
                .map(a -> a.indexOf(':') >= 0 ? "[" + a + "]:" + port : a + ":" + port)
                .collect(Collectors.joining(", "));
        return "Cannot listen on " + hostPort + ": " + reason + hint + ". Set another " + change + " in " + where;
    }

    private static String hostPort(InetSocketAddress a) {
        if (a == null) {
            return "?";
        }
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The file Felix FileInstall read the configuration from, else the PID to change. */
    static String configurationLocation(Map<String, Object> properties) {
        Object file = properties.get("felix.fileinstall.filename");
        if (file != null && !file.toString().isBlank()) {
            String s = file.toString();
            if (s.startsWith("file:")) {
                try {
                    return Paths.get(URI.create(s)).toString();
                } catch (IllegalArgumentException | FileSystemNotFoundException e) {
                    return s.substring("file:".length());
                }
            }
            return s;
        }
        Object pid = properties.get("service.pid");
        return "the configuration " + (pid == null ? "of factory PID " + FACTORY_PID : "with PID " + pid) + " (etc/"
                + FACTORY_PID + "-<name>.cfg)";
    }

    /** The machine's canonical host name; an address literal when it has no name. */
    private static String defaultHostname() {
        String name = MachineName.forSmtp();
        if (name.startsWith("[")) {
            LOG.warn(
                    "this machine has no name in DNS: the listener greets as {}; set hostname in its configuration",
                    name);
        }
        return name;
    }
}
