package org.karavel.preflight.internal;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A directory that holds mail, logs or keys and must stay closed to other users.
 *
 * @param role what it holds, for the warning, e.g. {@code spool}
 * @param path where it is
 */
record WatchedDirectory(String role, Path path) {
    WatchedDirectory {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(path, "path");
    }
}
