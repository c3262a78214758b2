package org.karavel.delivery.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A secret named as Config Admin's interpolation names it, {@code $[secret:name]} (the file
 * {@code name} in the first secrets directory that has it: systemd's credentials, then
 * etc/secrets) or {@code $[env:NAME]}, read when it is needed, so that a rotated file counts at
 * once and the value stays in memory only while it is used.
 */
final class SecretReference {
    /** The framework property that lists the secrets directories (etc/custom.properties). */
    static final String SECRETS_DIRS = "org.apache.felix.configadmin.plugin.interpolation.secretsdir";

    private static final Pattern REFERENCE = Pattern.compile("\\$\\[(secret|env):([A-Za-z0-9._-]+)]");

    private final String text;
    private final boolean file;
    private final String name;
    private final List<Path> directories;
    private final Function<String, String> environment;

    private SecretReference(
            String text, boolean file, String name, List<Path> directories, Function<String, String> environment) {
        this.text = text;
        this.file = file;
        this.name = name;
        this.directories = List.copyOf(directories);
        this.environment = environment;
    }

    /**
     * Parses a reference; a literal value is refused, since a password must never be written inline.
     *
     * @param directories the secrets directories, in order
     * @throws IllegalArgumentException when the text is not a reference
     */
    static SecretReference parse(String text, List<Path> directories, Function<String, String> environment) {
        Matcher m = REFERENCE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "a password is never written inline: write $[secret:name] (a file in the secrets directory)"
                            + " or $[env:NAME]");
        }
        return new SecretReference(text.strip(), m.group(1).equals("secret"), m.group(2), directories, environment);
    }

    /** The directories of a secretsdir property value (comma separated; empty parts left out). */
    static List<Path> directories(String property) {
        List<Path> dirs = new ArrayList<>();
        if (property != null) {
            for (String d : property.split(",")) {
                if (!d.isBlank()) {
                    dirs.add(Path.of(d.strip()));
                }
            }
        }
        return dirs;
    }

    /**
     * The secret's bytes (UTF-8, surrounding white space dropped, as the interpolation plugin does);
     * the caller fills the array with zeros once it is sent.
     *
     * @throws IOException naming the reference when it cannot be resolved
     */
    byte[] read() throws IOException {
        if (!file) {
            String v = environment.apply(name);
            if (v == null) {
                throw new IOException(text + ": no environment variable " + name);
            }
            return v.strip().getBytes(StandardCharsets.UTF_8);
        }
        for (Path dir : directories) {
            Path f = dir.resolve(name);
            if (Files.isRegularFile(f)) {
                byte[] raw = Files.readAllBytes(f);
                try {
                    return strip(raw);
                } finally {
                    Arrays.fill(raw, (byte) 0);
                }
            }
        }
        throw new IOException(text + ": no file " + name + " in the secrets directories " + directories);
    }

    private static byte[] strip(byte[] raw) {
        int from = 0;
        int to = raw.length;
        while (from < to && Character.isWhitespace(raw[from])) {
            from++;
        }
        while (to > from && Character.isWhitespace(raw[to - 1])) {
            to--;
        }
        return Arrays.copyOfRange(raw, from, to);
    }

    /** The reference as written, never the value. */
    @Override
    public String toString() {
        return text;
    }
}
