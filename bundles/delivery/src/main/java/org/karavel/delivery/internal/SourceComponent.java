package org.karavel.delivery.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import org.karavel.api.shaping.Rate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One source address from its factory configuration, checked when it is configured: an address this
 * machine does not have (it cannot be bound), a bad warm-up or max_message_rate is an ERROR naming the file and key,
 * and the pools skip the source.
 */
@Component(
        configurationPid = SourceComponent.FACTORY_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = SourceComponent.class)
@Designate(ocd = SourceConfig.class, factory = true)
public class SourceComponent {
    private static final Logger LOG = LoggerFactory.getLogger(SourceComponent.class);
    static final String FACTORY_PID = "org.karavel.delivery.source";

    private volatile SendingSource source;

    @Activate
    void activate(SourceConfig config, Map<String, Object> properties) {
        source = read(config, ConfigFiles.fileOf(properties, FACTORY_PID));
    }

    SendingSource source() {
        return source;
    }

    /** The source of a configuration; unusable (and an ERROR) when its address or warm-up is bad. */
    static SendingSource read(SourceConfig config, String file) {
        String text = config.address() == null ? "" : config.address().strip();
        InetAddress address = IpLiteral.parse(text.startsWith("[") ? text : "[" + text + "]");
        String name = config.name().isBlank() ? text : config.name().strip();
        if (address == null) {
            LOG.error("{}: address = {} is not an IP address: the pools skip source {}", file, text, name);
            return new SendingSource(name, InetAddress.getLoopbackAddress(), "", Warmup.NONE, false);
        }
        Warmup warmup;
        try {
            warmup = Warmup.parse(config.warmup());
        } catch (IllegalArgumentException e) {
            LOG.error("{}: warmup = {}: {}; the pools skip source {}", file, config.warmup(), e.getMessage(), name);
            return new SendingSource(name, address, config.ehlo__name(), Warmup.NONE, false);
        }
        Rate rate = null;
        if (!config.max__message__rate().isBlank()) {
            try {
                rate = Rate.parse(config.max__message__rate());
            } catch (IllegalArgumentException e) {
                LOG.error(
                        "{}: max_message_rate = {}: {}; the pools skip source {}",
                        file,
                        config.max__message__rate(),
                        e.getMessage(),
                        name);
                return new SendingSource(name, address, config.ehlo__name(), warmup, false);
            }
        }
        boolean usable = isOnThisMachine(address, file, name);
        if (usable) {
            LOG.info(
                    "source address {} ({}): EHLO {}{}{}",
                    name,
                    address.getHostAddress(),
                    config.ehlo__name().isBlank()
                            ? "(helo_name)"
                            : config.ehlo__name().strip(),
                    warmup.daily().isEmpty() ? "" : ", warm-up " + warmup,
                    rate == null ? "" : ", max_message_rate " + rate);
        }
        return new SendingSource(name, address, config.ehlo__name(), warmup, usable, rate);
    }

    /** Whether a socket can be bound to the address: the truth about "this machine has it". */
    static boolean isOnThisMachine(InetAddress address, String file, String name) {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(address, 0));
            return true;
        } catch (IOException e) {
            LOG.error(
                    "{}: address = {} is not an address of this machine ({}): the pools skip source {}",
                    file,
                    address.getHostAddress(),
                    e.getMessage(),
                    name);
            return false;
        }
    }
}
