package org.karavel.preflight.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The checks themselves, without OSGi: each returns the warning text, or nothing when all is well or
 * the check cannot be made.
 */
final class HostInspection {
    /** The systemd unit the .deb installs; named in the root warning. */
    static final String SYSTEMD_UNIT = "karavel.service";

    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private HostInspection() {}

    /** Every warning for these directories and this user, in order. */
    static List<String> warnings(List<WatchedDirectory> directories, String userName) {
        List<String> warnings = new ArrayList<>();
        userWarning(userName).ifPresent(warnings::add);
        for (WatchedDirectory directory : directories) {
            directoryWarning(directory).ifPresent(warnings::add);
        }
        return warnings;
    }

    /**
     * A warning when other users may read, write or enter the directory: mail, logs and keys are
     * for the service user and its group only (mode 2770). Missing directories and file systems
     * without POSIX permissions are skipped.
     */
    static Optional<String> directoryWarning(WatchedDirectory directory) {
        Path path = directory.path().toAbsolutePath().normalize();
        if (!Files.isDirectory(path)) {
            return Optional.empty();
        }
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IOException ex) {
            return Optional.empty();
        }
        Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
        open.addAll(permissions);
        open.retainAll(OTHERS);
        if (open.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(String.format(
                "%s directory %s is %s by other users (mode %s): fix with 'chmod 2770 %s'",
                directory.role(), path, describe(open), PosixFilePermissions.toString(permissions), path));
    }

    /** A warning when the JVM runs as root, which Karavel never needs. */
    static Optional<String> userWarning(String userName) {
        if (!"root".equals(userName)) {
            return Optional.empty();
        }
        return Optional.of("running as root: Karavel needs only CAP_NET_BIND_SERVICE (to bind ports 25, 465 and 587); "
                + "run it as its own user with the systemd unit " + SYSTEMD_UNIT
                + " (User=karavel, AmbientCapabilities=CAP_NET_BIND_SERVICE): 'systemctl enable --now "
                + SYSTEMD_UNIT + "'");
    }

    private static String describe(Set<PosixFilePermission> open) {
        List<String> words = new ArrayList<>();
        if (open.contains(PosixFilePermission.OTHERS_READ)) {
            words.add("readable");
        }
        if (open.contains(PosixFilePermission.OTHERS_WRITE)) {
            words.add("writable");
        }
        if (open.contains(PosixFilePermission.OTHERS_EXECUTE)) {
            words.add("searchable");
        }
        return String.join(" and ", words);
    }
}
