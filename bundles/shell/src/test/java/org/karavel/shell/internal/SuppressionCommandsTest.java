package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.testkit.InMemorySuppressionList;

/** The mta:suppression-* actions: wiring, trailing options, the message when the bundle is absent. */
class SuppressionCommandsTest {
    private final PrintStream originalOut = System.out;
    private final PrintStream originalErr = System.err;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final InMemorySuppressionList list = new InMemorySuppressionList();

    @TempDir
    Path dir;

    @BeforeEach
    void capture() {
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    @Test
    void addWithTrailingOptionsThenListExportRemove() throws Exception {
        SuppressionAddCommand add = new SuppressionAddCommand();
        add.list = list;
        add.words = List.of("gone@example.net", "--reason", "asked us to stop", "--expires", "30d");
        add.execute();
        assertThat(list.find("gone@example.net").orElseThrow().reason()).isEqualTo("asked us to stop");
        assertThat(list.find("gone@example.net").orElseThrow().expires()).isNotNull();

        SuppressionListCommand ls = new SuppressionListCommand();
        ls.list = list;
        ls.address = "@example.net";
        ls.execute();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("gone@example.net")
                .contains("1 entry of 1");

        SuppressionExportCommand export = new SuppressionExportCommand();
        export.list = list;
        export.words = List.of(dir.resolve("out.csv").toString());
        export.execute();
        assertThat(Files.readAllLines(dir.resolve("out.csv"))).hasSize(2);
        export.words = List.of(dir.resolve("out.csv").toString(), "--force");
        export.execute();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Exported 1 entry", "Exported 1 entry");

        SuppressionRemoveCommand remove = new SuppressionRemoveCommand();
        remove.list = list;
        remove.address = "gone@example.net";
        remove.execute();
        assertThat(list.entries).isEmpty();

        SuppressionImportCommand imp = new SuppressionImportCommand();
        imp.list = list;
        imp.file = dir.resolve("out.csv").toString();
        imp.execute();
        assertThat(list.entries).containsKey("gone@example.net");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aWrongUsageOrAMissingBundleIsOneLine() throws Exception {
        SuppressionAddCommand add = new SuppressionAddCommand();
        add.list = list;
        add.words = List.of("a@example.net", "b@example.net");
        add.execute();
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("suppression-add: usage: mta:suppression-add");
        err.reset();
        new SuppressionRemoveCommand().execute();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("The suppression bundle (org.karavel.suppression) is not running.\n");
        for (Class<?> c : List.of(
                SuppressionListCommand.class,
                SuppressionAddCommand.class,
                SuppressionRemoveCommand.class,
                SuppressionImportCommand.class,
                SuppressionExportCommand.class)) {
            assertThat(c.getAnnotation(Command.class).scope()).isEqualTo("mta");
            assertThat(c.getAnnotation(Command.class).name()).startsWith("suppression-");
            assertThat(c.isAnnotationPresent(Service.class)).isTrue();
        }
    }
}
