package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.karaf.shell.api.action.Command;
import org.junit.jupiter.api.Test;

/** Every command the bundle registers is listed in its README and in the top-level README's table. */
class CommandDocumentationTest {

    @Test
    void everyCommandIsInTheReadmes() throws Exception {
        List<String> commands = commandNames();
        assertThat(commands).hasSizeGreaterThanOrEqualTo(22);
        String bundleReadme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        String topReadme = Files.readString(Path.of("../../README.md"), StandardCharsets.UTF_8);
        for (String command : commands) {
            assertThat(bundleReadme).as("bundles/shell/README.md").contains("`mta:" + command);
            assertThat(topReadme).as("README.md").contains("`mta:" + command);
        }
    }

    /** The names of every {@code @Command} class compiled into the bundle. */
    private static List<String> commandNames() throws IOException, URISyntaxException {
        Path classes = Path.of(CommandDocumentationTest.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .resolveSibling("classes")
                .resolve("org/karavel/shell/internal");
        try (Stream<Path> files = Files.list(classes)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith("Command.class"))
                    .map(n -> load("org.karavel.shell.internal." + n.substring(0, n.length() - ".class".length())))
                    .filter(c -> c.isAnnotationPresent(Command.class))
                    .map(c -> c.getAnnotation(Command.class).name())
                    .sorted()
                    .toList();
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
