package org.karavel.admin.internal;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.karavel.api.auth.LoginFailures;
import org.karavel.api.auth.MailboxUserAdmin;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.dkim.DkimKeys;
import org.karavel.api.domain.MailDomains;
import org.karavel.api.events.MessageEvents;
import org.karavel.api.fleet.Fleet;
import org.karavel.api.health.HealthCheck;
import org.karavel.api.metrics.MetricSource;
import org.karavel.api.net.MachineName;
import org.karavel.api.queue.DeliveryControl;
import org.karavel.api.queue.Spool;
import org.karavel.api.recipient.AliasAdmin;
import org.karavel.api.shaping.SitePolicies;
import org.karavel.api.shaping.SiteTraffic;
import org.karavel.api.status.StatusChecks;
import org.karavel.api.suppression.SuppressionList;
import org.karavel.api.tls.ServerTls;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
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
 * The admin API component: listens only when {@code etc/org.karavel.admin.cfg} exists. Every
 * service it uses is an optional dynamic reference, so restarting the spool, delivery, auth or tls
 * bundle never closes the listener; what is missing is answered with 503. A configuration change
 * rebinds the listener; the count of failed logins carries over.
 */
@Component(
        name = "org.karavel.admin",
        configurationPid = "org.karavel.admin",
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true,
        service = {})
@Designate(ocd = AdminConfig.class)
public class AdminComponent {
    private static final Logger LOG = LoggerFactory.getLogger(AdminComponent.class);

    private final AdminServices services = new AdminServices();
    private final AdminCounters metrics = new AdminCounters();
    private final LoginFailures failures = new LoginFailures();
    private final MailLog mailLog = MailLog.slf4j().events(new MessageEventsOut(() -> this.messageEvents));

    /** Message events for senders' applications; without the service none are published. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MessageEvents messageEvents;

    private AdminServer server;
    private final HistorySampler sampler = new HistorySampler(services, metrics, Clock.systemUTC());
    private volatile ConfigurationAdmin configurationAdmin;

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindSpool")
    void bindSpool(Spool spool) {
        services.spool = spool;
    }

    void unbindSpool(Spool spool) {
        if (services.spool == spool) {
            services.spool = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindDeliveryControl")
    void bindDeliveryControl(DeliveryControl control) {
        services.deliveryControl = control;
    }

    void unbindDeliveryControl(DeliveryControl control) {
        if (services.deliveryControl == control) {
            services.deliveryControl = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindUsers")
    void bindUsers(MailboxUsers users) {
        services.users = users;
    }

    void unbindUsers(MailboxUsers users) {
        if (services.users == users) {
            services.users = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindAliases")
    void bindAliases(AliasAdmin aliases) {
        services.aliases = aliases;
    }

    void unbindAliases(AliasAdmin aliases) {
        if (services.aliases == aliases) {
            services.aliases = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindStatusChecks")
    void bindStatusChecks(StatusChecks checks) {
        services.statusChecks = checks;
    }

    void unbindStatusChecks(StatusChecks checks) {
        if (services.statusChecks == checks) {
            services.statusChecks = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindSitePolicies")
    void bindSitePolicies(SitePolicies policies) {
        services.sitePolicies = policies;
    }

    void unbindSitePolicies(SitePolicies policies) {
        if (services.sitePolicies == policies) {
            services.sitePolicies = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindSuppression")
    void bindSuppression(SuppressionList list) {
        services.suppression = list;
    }

    void unbindSuppression(SuppressionList list) {
        if (services.suppression == list) {
            services.suppression = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindFleet")
    void bindFleet(Fleet fleet) {
        services.fleet = fleet;
    }

    void unbindFleet(Fleet fleet) {
        if (services.fleet == fleet) {
            services.fleet = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindSiteTraffic")
    void bindSiteTraffic(SiteTraffic traffic) {
        services.siteTraffic = traffic;
    }

    void unbindSiteTraffic(SiteTraffic traffic) {
        if (services.siteTraffic == traffic) {
            services.siteTraffic = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindUserAdmin")
    void bindUserAdmin(MailboxUserAdmin admin) {
        services.userAdmin = admin;
    }

    void unbindUserAdmin(MailboxUserAdmin admin) {
        if (services.userAdmin == admin) {
            services.userAdmin = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindDkimKeys")
    void bindDkimKeys(DkimKeys keys) {
        services.dkimKeys = keys;
    }

    void unbindDkimKeys(DkimKeys keys) {
        if (services.dkimKeys == keys) {
            services.dkimKeys = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindMailDomains")
    void bindMailDomains(MailDomains domains) {
        services.mailDomains = domains;
    }

    void unbindMailDomains(MailDomains domains) {
        if (services.mailDomains == domains) {
            services.mailDomains = null;
        }
    }

    /** Asked for a fresh snapshot at every handshake, so a renewed certificate is served at once. */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindServerTls")
    void bindServerTls(ServerTls tls) {
        services.serverTls = tls;
    }

    void unbindServerTls(ServerTls tls) {
        if (services.serverTls == tls) {
            services.serverTls = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindConfigurationAdmin")
    void bindConfigurationAdmin(ConfigurationAdmin admin) {
        configurationAdmin = admin;
        services.configurations = () -> karavelConfigurations(admin);
    }

    void unbindConfigurationAdmin(ConfigurationAdmin admin) {
        if (configurationAdmin == admin) {
            configurationAdmin = null;
            services.configurations = null;
        }
    }

    @Reference(
            name = "metricSource",
            service = MetricSource.class,
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeMetricSource",
            updated = "addMetricSource")
    void addMetricSource(MetricSource source, Map<String, Object> properties) {
        Object name = properties.get(MetricSource.SOURCE);
        services.addMetricSource(source, name == null ? null : name.toString());
    }

    void removeMetricSource(MetricSource source) {
        services.removeMetricSource(source);
    }

    @Reference(
            name = "healthCheck",
            service = HealthCheck.class,
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeHealthCheck")
    void addHealthCheck(HealthCheck check) {
        services.addHealthCheck(check);
    }

    void removeHealthCheck(HealthCheck check) {
        services.removeHealthCheck(check);
    }

    @Activate
    synchronized void activate(AdminConfig config) {
        apply(config);
        sampler.start();
    }

    @Modified
    synchronized void modified(AdminConfig config) {
        apply(config);
    }

    @Deactivate
    synchronized void deactivate() {
        sampler.stop();
        stopServer();
    }

    private void stopServer() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /** The bound port, or -1 when not listening (for tests). */
    synchronized int port() {
        return server == null ? -1 : server.port();
    }

    private void apply(AdminConfig config) {
        stopServer();
        AdminSettings settings;
        try {
            settings = AdminSettings.from(
                    config,
                    config.hostname() == null || config.hostname().isBlank() ? defaultHostname() : config.hostname());
        } catch (IllegalArgumentException e) {
            LOG.error("admin API not started: {}. Correct it in etc/org.karavel.admin.cfg", e.getMessage());
            return;
        }
        if (!settings.enabled()) {
            LOG.info("admin API disabled (enabled = false in etc/org.karavel.admin.cfg)");
            return;
        }
        AdminServer next = assemble(settings, services, metrics, failures, mailLog);
        try {
            next.start();
            server = next;
        } catch (IOException | RuntimeException e) {
            next.stop();
            LOG.error(
                    "admin API cannot listen on {}:{}: {}. Set another address or port in etc/org.karavel.admin.cfg",
                    settings.address(),
                    settings.port(),
                    e.toString());
        }
    }

    /** The server with its parts, as the tests build it too. */
    static AdminServer assemble(
            AdminSettings settings,
            AdminServices services,
            AdminCounters metrics,
            LoginFailures failures,
            MailLog mailLog) {
        MessageInjection injection = new MessageInjection(settings.hostname(), ZonedDateTime::now, mailLog);
        AdminApi api = new AdminApi(
                services,
                metrics,
                injection,
                mailLog,
                settings.maxRequestBytes(),
                Instant::now,
                settings.injectMaxRecipients());
        AdminAccess access = new AdminAccess(settings, () -> services.users, failures, metrics);
        return new AdminServer(settings, access, api, metrics, () -> services.serverTls);
    }

    private static List<AdminServices.StoredConfiguration> karavelConfigurations(ConfigurationAdmin admin) {
        Configuration[] found;
        try {
            found = admin.listConfigurations("(service.pid=org.karavel.*)");
        } catch (IOException | InvalidSyntaxException e) {
            throw new ApiError(500, "config_error", "cannot list configurations: " + e.getMessage());
        }
        List<AdminServices.StoredConfiguration> out = new ArrayList<>();
        if (found == null) {
            return out;
        }
        for (Configuration c : found) {
            Dictionary<String, Object> props = c.getProperties();
            Map<String, Object> map = new LinkedHashMap<>();
            if (props != null) {
                for (String key : Collections.list(props.keys())) {
                    map.put(key, props.get(key));
                }
            }
            out.add(new AdminServices.StoredConfiguration(c.getPid(), c.getFactoryPid(), map));
        }
        return out;
    }

    private static String defaultHostname() {
        // a Message-ID wants a name, never an address
        return MachineName.canonical().orElse("localhost");
    }
}
