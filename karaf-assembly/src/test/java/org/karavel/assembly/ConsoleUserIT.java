package org.karavel.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/console-user (sourced by bin/setenv of the tar.gz and the .deb) appends the console user and
 * chmods users.properties; it must never do so through a symbolic link, nor in a directory another
 * user owns (the .deb's /etc/karavel belongs to the service user, and root runs bin/client there).
 * Runs the real script with sh, as root does (the build runs as root: chown to nobody needs it).
 */
class ConsoleUserIT {
    private static final String USERS =
            "# Karaf users\n_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n";

    @TempDir
    Path work;

    private static Path script() {
        return Path.of(System.getProperty("karavel.build.dir", "target"), "classes/bin/console-user");
    }

    private static String run(Path etc) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(
                        "env",
                        "-i",
                        "PATH=/usr/bin:/bin",
                        "sh",
                        "-c",
                        ". '" + script() + "' && karavel_console_user '" + etc + "' 600 && echo done")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private static String mode(Path f) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
    }

    @Test
    void aUserIsAddedToAFileOfOneOwnInADirectoryOfOnesOwn() throws Exception {
        Path etc = Files.createDirectory(work.resolve("etc"));
        Path users = Files.writeString(etc.resolve("users.properties"), USERS);

        run(etc);

        assertThat(Files.readAllLines(users)).anyMatch(l -> l.matches("karavel = [0-9a-f]{48},_g_:admingroup"));
        assertThat(mode(users)).isEqualTo("rw-------");
    }

    @Test
    void aSymbolicLinkIsNeverFollowed() throws Exception {
        Path etc = Files.createDirectory(work.resolve("etc"));
        Path target = Files.writeString(work.resolve("elsewhere.conf"), USERS);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        Path link = Files.createSymbolicLink(etc.resolve("users.properties"), target);

        run(etc);

        assertThat(Files.readString(target)).isEqualTo(USERS);
        assertThat(mode(target)).isEqualTo("rw-r--r--");
        assertThat(Files.isSymbolicLink(link)).isTrue();

        // nor a linked directory
        Path real = Files.createDirectory(work.resolve("real-etc"));
        Path inReal = Files.writeString(real.resolve("users.properties"), USERS);
        run(Files.createSymbolicLink(work.resolve("linked-etc"), real));
        assertThat(Files.readString(inReal)).isEqualTo(USERS);
    }

    @Test
    void aDirectoryAnotherUserOwnsIsLeftToThatUser() throws Exception {
        Path etc = Files.createDirectory(work.resolve("etc"));
        Path users = Files.writeString(etc.resolve("users.properties"), USERS);
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-rw-rw-"));
        // as /etc/karavel of the .deb: the directory (and the file) belong to the service user
        Process chown = new ProcessBuilder("chown", "-h", "nobody", etc.toString(), users.toString())
                .inheritIO()
                .start();
        assertThat(chown.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(chown.exitValue())
                .as("chown to nobody (the build runs as root)")
                .isZero();

        run(etc);

        assertThat(Files.readString(users)).isEqualTo(USERS);
        assertThat(mode(users)).isEqualTo("rw-rw-rw-");
        assertThat(List.of(Files.getOwner(users).getName(), Files.getOwner(etc).getName()))
                .containsOnly("nobody");
    }
}
