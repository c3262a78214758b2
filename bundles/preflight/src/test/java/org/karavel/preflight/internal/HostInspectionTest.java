package org.karavel.preflight.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostInspectionTest {
    @TempDir
    Path temp;

    private Path directory(String name, String mode) throws IOException {
        Path dir = Files.createDirectory(temp.resolve(name));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
        return dir;
    }

    @Test
    void closedDirectoryIsFine() throws IOException {
        Path spool = directory("spool", "rwxrwx---");

        assertThat(HostInspection.directoryWarning(new WatchedDirectory("spool", spool)))
                .isEmpty();
    }

    @Test
    void worldReadableDirectoryWarnsWithTheFixingCommand() throws IOException {
        Path spool = directory("spool", "rwxr-xr-x");

        assertThat(HostInspection.directoryWarning(new WatchedDirectory("spool", spool)))
                .hasValue("spool directory " + spool + " is readable and searchable by other users (mode rwxr-xr-x): "
                        + "fix with 'chmod 2770 " + spool + "'");
    }

    @Test
    void worldWritableDirectoryWarns() throws IOException {
        Path log = directory("log", "rwxrwx-w-");

        assertThat(HostInspection.directoryWarning(new WatchedDirectory("log", log)))
                .hasValueSatisfying(w -> assertThat(w)
                        .startsWith("log directory " + log + " is writable by other users")
                        .endsWith("fix with 'chmod 2770 " + log + "'"));
    }

    @Test
    void missingDirectoryIsSkipped() {
        Path missing = temp.resolve("no-such-dir");

        assertThat(HostInspection.directoryWarning(new WatchedDirectory("DKIM key", missing)))
                .isEmpty();
    }

    @Test
    void rootGetsOneWarningNamingTheCapabilityAndTheUnit() {
        assertThat(HostInspection.userWarning("root"))
                .hasValueSatisfying(w -> assertThat(w)
                        .contains("running as root")
                        .contains("CAP_NET_BIND_SERVICE")
                        .contains("karavel.service"));
        assertThat(HostInspection.userWarning("karavel")).isEmpty();
    }

    @Test
    void warningsListTheUserFirstThenEachOpenDirectory() throws IOException {
        Path spool = directory("spool", "rwxrwxrwx");
        Path log = directory("log", "rwxrwx---");
        Path dkim = directory("dkim", "rwxr-x--x");

        List<String> warnings = HostInspection.warnings(
                List.of(
                        new WatchedDirectory("spool", spool),
                        new WatchedDirectory("log", log),
                        new WatchedDirectory("DKIM key", dkim)),
                "root");

        assertThat(warnings).hasSize(3);
        assertThat(warnings.get(0)).startsWith("running as root");
        assertThat(warnings.get(1)).startsWith("spool directory " + spool + " is readable and writable and searchable");
        assertThat(warnings.get(2))
                .startsWith("DKIM key directory " + dkim + " is searchable by other users")
                .endsWith("'chmod 2770 " + dkim + "'");
    }

    @Test
    void noWarningsForAServiceUserAndClosedDirectories() throws IOException {
        Path spool = directory("spool", "rwxrwx---");

        assertThat(HostInspection.warnings(List.of(new WatchedDirectory("spool", spool)), "karavel"))
                .isEmpty();
    }
}
