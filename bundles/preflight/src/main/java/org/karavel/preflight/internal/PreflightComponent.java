package org.karavel.preflight.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;
import org.karavel.api.status.Finding;
import org.karavel.api.status.Setup;
import org.karavel.api.status.StatusCheck;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the host checks once when it starts (and again when its configuration changes) and logs
 * one WARN line per problem; the same inspection is its status check ({@code preflight.directories}).
 */
@Component(
        service = StatusCheck.class,
        immediate = true,
        configurationPid = "org.karavel.preflight",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = PreflightConfig.class)
public final class PreflightComponent implements StatusCheck {
    private static final Logger LOG = LoggerFactory.getLogger(PreflightComponent.class);
    static final String SPOOL_PID = "org.karavel.spool";

    static final String CHECK = "preflight.directories";
    private final ConfigurationAdmin configurationAdmin;
    private volatile PreflightConfig config;

    @Activate
    public PreflightComponent(
            @Reference(
                            name = "configurationAdmin",
                            cardinality = ReferenceCardinality.OPTIONAL,
                            policyOption = ReferencePolicyOption.GREEDY)
                    ConfigurationAdmin configurationAdmin,
            PreflightConfig config) {
        this.configurationAdmin = configurationAdmin;
        run(config);
    }

    @Modified
    void modified(PreflightConfig config) {
        run(config);
    }

    private void run(PreflightConfig config) {
        this.config = config;
        if (!config.enabled()) {
            return;
        }
        List<String> warnings = warnings(config);
        warnings.forEach(LOG::warn);
        LOG.info("preflight: {} warning(s)", warnings.size());
    }

    private List<String> warnings(PreflightConfig config) {
        return HostInspection.warnings(
                watchedDirectories(spoolDirectoryKey(), config.dkim__directory(), System::getProperty),
                System.getProperty("user.name"));
    }

    @Override
    public String name() {
        return CHECK;
    }

    /** The same inspection as at start, run again: a directory's mode may have changed since. */
    @Override
    public CompletionStage<List<Finding>> run(Setup setup) {
        PreflightConfig c = config;
        return CompletableFuture.completedFuture(c.enabled() ? findings(warnings(c)) : List.of());
    }

    static List<Finding> findings(List<String> warnings) {
        if (warnings.isEmpty()) {
            return List.of(
                    Finding.ok(
                            CHECK,
                            Finding.SERVER,
                            "The spool, log, DKIM key and secrets directories belong to the service user and others cannot read them"));
        }
        return warnings.stream()
                .map(w -> Finding.warning(
                        CHECK, Finding.SERVER, w, "Do what the line says (the preflight's WARN at start is the same)"))
                .toList();
    }

    /** The spool, log, DKIM and secrets directories, those that can be located. */
    static List<WatchedDirectory> watchedDirectories(
            String spoolDirectory, String dkimDirectory, UnaryOperator<String> properties) {
        List<WatchedDirectory> directories = new ArrayList<>();
        directories.add(new WatchedDirectory("spool", DirectoryLocations.spool(spoolDirectory, properties)));
        DirectoryLocations.log(properties).ifPresent(p -> directories.add(new WatchedDirectory("log", p)));
        DirectoryLocations.dkim(dkimDirectory, properties)
                .ifPresent(p -> directories.add(new WatchedDirectory("DKIM key", p)));
        DirectoryLocations.secrets(properties).forEach(p -> directories.add(new WatchedDirectory("secrets", p)));
        return directories;
    }

    /**
     * The spool's {@code directory} key, read without creating the configuration:
     * {@code getConfiguration} would bind a new one to this bundle and the spool would never see it.
     */
    private String spoolDirectoryKey() {
        if (configurationAdmin == null) {
            return null;
        }
        try {
            Configuration[] found = configurationAdmin.listConfigurations("(service.pid=" + SPOOL_PID + ")");
            if (found == null || found.length == 0) {
                return null;
            }
            Dictionary<String, Object> properties = found[0].getProperties();
            Object directory = properties == null ? null : properties.get("directory");
            return directory == null ? null : directory.toString();
        } catch (IOException | InvalidSyntaxException ex) {
            LOG.debug("cannot read the {} configuration: {}", SPOOL_PID, ex.toString());
            return null;
        }
    }
}
