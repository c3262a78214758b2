package org.karavel.preflight.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the spool, log and DKIM directories are, worked out the way their owners do, from
 * configuration values and Karaf's system properties.
 */
final class DirectoryLocations {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]+)}");

    /** Default of {@code dkim_directory}: the keys sit next to the configuration. */
    static final String DEFAULT_DKIM_DIRECTORY = "${karaf.etc}/dkim";

    private DirectoryLocations() {}

    /**
     * The spool directory as the spool bundle resolves it: the configured {@code directory}, or
     * {@code ${karaf.data}/spool} when empty ({@code data/spool} without {@code karaf.data}).
     */
    static Path spool(String configured, UnaryOperator<String> properties) {
        String data = properties.apply("karaf.data");
        data = data == null || data.isBlank() ? "data" : data;
        if (configured == null || configured.isBlank()) {
            return Path.of(data, "spool");
        }
        return Path.of(configured.replace("${karaf.data}", data));
    }

    /** The directory Karaf writes karaf.log and mail.log to ({@code karaf.log}), if set. */
    static Optional<Path> log(UnaryOperator<String> properties) {
        String log = properties.apply("karaf.log");
        return log == null || log.isBlank() ? Optional.empty() : Optional.of(Path.of(log));
    }

    /**
     * The DKIM key directory: the configured value (default {@code ${karaf.etc}/dkim}) with
     * {@code ${...}} system properties filled in; empty when one is unknown.
     */
    static Optional<Path> dkim(String configured, UnaryOperator<String> properties) {
        String value = configured == null || configured.isBlank() ? DEFAULT_DKIM_DIRECTORY : configured;
        return expand(value, properties).map(Path::of);
    }

    /**
     * The directories of Config Admin's {@code $[secret:name]} files: {@code karavel.credentials}
     * (systemd's credentials directory, when bin/setenv set it) and {@code karavel.secrets}, each a
     * comma-separated list as the interpolation plugin reads it.
     */
    static List<Path> secrets(UnaryOperator<String> properties) {
        List<Path> out = new ArrayList<>();
        for (String key : List.of("karavel.credentials", "karavel.secrets")) {
            String value = properties.apply(key);
            if (value != null) {
                for (String dir : value.split("\\s*,\\s*")) {
                    if (!dir.isBlank()) {
                        out.add(Path.of(dir.strip()));
                    }
                }
            }
        }
        return out;
    }

    /** Fills in {@code ${name}} placeholders; empty when a property is not set. */
    static Optional<String> expand(String value, UnaryOperator<String> properties) {
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = properties.apply(m.group(1));
            if (replacement == null) {
                return Optional.empty();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return Optional.of(out.toString());
    }
}
