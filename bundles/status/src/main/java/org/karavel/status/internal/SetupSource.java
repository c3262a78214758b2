package org.karavel.status.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.karavel.api.domain.MailDomains;
import org.karavel.api.net.MachineName;
import org.karavel.api.status.Setup;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Gathers the {@link Setup} of a run from the settings, the mx listener's configuration and this machine. */
final class SetupSource {
    private static final Logger LOG = LoggerFactory.getLogger(SetupSource.class);
    private final StatusConfig config;
    private final Supplier<MailDomains> domains;
    private final Supplier<ConfigurationAdmin> configs;

    SetupSource(StatusConfig config, Supplier<MailDomains> domains, Supplier<ConfigurationAdmin> configs) {
        this.config = config;
        this.domains = domains;
        this.configs = configs;
    }

    Setup setup() {
        MailDomains md = domains.get();
        // localhost and other single-label names are local here but not names the world can look up
        Set<String> local = md == null
                ? Set.of()
                : md.localDomains().stream().filter(d -> d.contains(".")).collect(Collectors.toSet());
        List<InetAddress> publicAddresses = addresses("public_addresses", config.public__addresses());
        if (publicAddresses.isEmpty()) {
            publicAddresses = interfaceAddresses();
        }
        List<InetAddress> sending = addresses("sending_addresses", config.sending__addresses());
        return new Setup(hostName(), local, publicAddresses, sending.isEmpty() ? publicAddresses : sending);
    }

    private String hostName() {
        if (!config.host__name().isBlank()) {
            return config.host__name().strip().toLowerCase(Locale.ROOT);
        }
        String mx = mxListenerHostName();
        if (!mx.isEmpty()) {
            return mx;
        }
        return MachineName.canonical().orElse("localhost").toLowerCase(Locale.ROOT);
    }

    private String mxListenerHostName() {
        ConfigurationAdmin ca = configs.get();
        if (ca == null) {
            return "";
        }
        try {
            Configuration[] c = ca.listConfigurations("(&(service.factoryPid=org.karavel.smtp.listener)(name=mx))");
            if (c != null && c.length > 0 && c[0].getProperties() != null) {
                Object h = c[0].getProperties().get("hostname");
                return h == null ? "" : h.toString().strip().toLowerCase(Locale.ROOT);
            }
        } catch (IOException | InvalidSyntaxException | IllegalStateException e) {
            LOG.debug("cannot read the mx listener's configuration: {}", e.toString());
        }
        return "";
    }

    private static List<InetAddress> addresses(String key, String[] texts) {
        List<InetAddress> out = new ArrayList<>();
        for (String t : texts) {
            for (String one : t.split("[,\\s]+")) {
                if (one.isBlank()) {
                    continue;
                }
                if (!one.matches("[0-9A-Fa-f:.]+")) {
                    LOG.error("etc/org.karavel.status.cfg: {}: \"{}\" is not an IP address; left out", key, one);
                    continue;
                }
                try {
                    out.add(InetAddress.getByName(one));
                } catch (IOException e) {
                    LOG.error("etc/org.karavel.status.cfg: {}: \"{}\" is not an IP address; left out", key, one);
                }
            }
        }
        return out;
    }

    /** This machine's addresses that the world could use: not loopback, link-local or wildcard. */
    static List<InetAddress> interfaceAddresses() {
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp() || ni.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (!a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isAnyLocalAddress()) {
                        out.add(a);
                    }
                }
            }
        } catch (SocketException e) {
            LOG.warn("cannot list this machine's network interfaces: {}", e.toString());
        }
        return out;
    }
}
