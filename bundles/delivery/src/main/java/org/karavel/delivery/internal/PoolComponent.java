package org.karavel.delivery.internal;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.karavel.api.config.ListProperty;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One pool of source addresses from its factory configuration; a bad one is an ERROR naming file and key. */
@Component(
        configurationPid = PoolComponent.FACTORY_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = PoolComponent.class)
@Designate(ocd = PoolConfig.class, factory = true)
public class PoolComponent {
    private static final Logger LOG = LoggerFactory.getLogger(PoolComponent.class);
    static final String FACTORY_PID = "org.karavel.delivery.pool";

    private volatile SendingPool pool;

    @Activate
    void activate(PoolConfig config, Map<String, Object> properties) {
        pool = read(config, ConfigFiles.fileOf(properties, FACTORY_PID));
    }

    /** The pool, or null when its configuration is bad. */
    SendingPool pool() {
        return pool;
    }

    static SendingPool read(PoolConfig config, String file) {
        if (config.name() == null || config.name().isBlank()) {
            LOG.error("{}: name is empty: pool left out", file);
            return null;
        }
        List<SendingPool.Member> members;
        try {
            members = SendingPool.parseMembers(ListProperty.entries(config.sources()));
        } catch (IllegalArgumentException e) {
            LOG.error("{}: sources = {}: {}; pool {} left out", file, config.sources(), e.getMessage(), config.name());
            return null;
        }
        if (members.isEmpty()) {
            LOG.error("{}: sources is empty: pool {} left out", file, config.name());
            return null;
        }
        SendingPool p = new SendingPool(
                config.name(),
                members,
                new LinkedHashSet<>(ListProperty.entries(config.sender__domains())),
                new LinkedHashSet<>(ListProperty.entries(config.users())),
                new LinkedHashSet<>(ListProperty.entries(config.listeners())));
        LOG.info("sending pool {}: {}", p.name(), members);
        return p;
    }
}
