package org.karavel.delivery.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.karavel.api.config.ListProperty;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where this server's SMTP listeners listen, read from their factory configurations
 * ({@code org.karavel.smtp.listener}): delivery must not connect there (mail loop). Read at every
 * check, since a listener's file may change at any time.
 */
final class ListenerAddresses {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerAddresses.class);
    static final String FACTORY_PID = "org.karavel.smtp.listener";

    private final Supplier<ConfigurationAdmin> admin;

    ListenerAddresses(Supplier<ConfigurationAdmin> admin) {
        this.admin = admin;
    }

    /** The address and port of every listener (a wildcard address stands for all interfaces). */
    List<InetSocketAddress> addresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (Dictionary<String, Object> p : listeners()) {
            int port;
            try {
                port = Integer.parseInt(String.valueOf(p.get("port")).trim());
            } catch (NumberFormatException e) {
                continue;
            }
            Object address = p.get("address");
            List<String> texts = values(address == null ? "0.0.0.0" : address);
            for (String a : texts) {
                InetAddress ip = IpLiteral.parse(a);
                if (ip != null && port > 0 && port < 65536) {
                    out.add(new InetSocketAddress(ip, port));
                }
            }
        }
        return out;
    }

    /** Our own names: the EHLO name and the listeners' host names. */
    Set<String> hostNames(String heloName) {
        Set<String> names = new LinkedHashSet<>();
        names.add(heloName);
        for (Dictionary<String, Object> p : listeners()) {
            Object h = p.get("hostname");
            if (h != null) {
                names.addAll(values(h));
            }
        }
        return names;
    }

    private List<Dictionary<String, Object>> listeners() {
        ConfigurationAdmin ca = admin.get();
        List<Dictionary<String, Object>> out = new ArrayList<>();
        if (ca == null) {
            return out;
        }
        try {
            Configuration[] configs = ca.listConfigurations("(service.factoryPid=" + FACTORY_PID + ")");
            if (configs != null) {
                for (Configuration c : configs) {
                    Dictionary<String, Object> p = c.getProperties();
                    if (p != null) {
                        out.add(p);
                    }
                }
            }
        } catch (IOException | InvalidSyntaxException | IllegalStateException e) {
            LOG.debug("cannot read the smtp listener configurations: {}", e.toString());
        }
        return out;
    }

    /** A property as a list of texts: one value, comma or space separated values, or an array. */
    private static List<String> values(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof Collection<?> c) {
            c.forEach(x -> out.addAll(values(x)));
        } else if (v instanceof Object[] a) {
            for (Object x : a) {
                out.addAll(values(x));
            }
        } else if (v != null) {
            out.addAll(ListProperty.entries(v.toString()));
        }
        return out;
    }
}
