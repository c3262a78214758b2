package org.karavel.tls.internal;

import java.nio.file.Path;
import java.time.Duration;
import org.karavel.api.net.MachineName;
import org.karavel.api.tls.ServerTls;
import org.karavel.api.tls.ServerTlsContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The {@link ServerTls} service. A configuration change swaps the snapshot in place (the service
 * stays registered, so listeners holding it are not restarted).
 */
@Component(
        service = ServerTls.class,
        configurationPid = "org.karavel.tls",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = TlsConfig.class)
public final class TlsComponent implements ServerTls {
    static final Duration POLL_INTERVAL = Duration.ofSeconds(2);

    private volatile InboundTls tls;

    @Activate
    void activate(TlsConfig config) {
        tls = create(config);
    }

    @Modified
    void modified(TlsConfig config) {
        InboundTls previous = tls;
        tls = create(config);
        previous.close();
    }

    @Deactivate
    void deactivate() {
        tls.close();
    }

    @Override
    public ServerTlsContext current() {
        return tls.current();
    }

    static InboundTls create(TlsConfig config) {
        String hostname = config.hostname().isBlank()
                ? canonicalHostName()
                : config.hostname().trim();
        return new InboundTls(
                path(config.cert__file()),
                path(config.key__file()),
                config.protocols(),
                config.cipher__suites(),
                hostname,
                POLL_INTERVAL);
    }

    private static Path path(String value) {
        return value == null || value.isBlank() ? null : Path.of(value.trim());
    }

    private static String canonicalHostName() {
        return MachineName.canonical().orElse("localhost");
    }
}
