package org.karavel.spool.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code spool.clean}: written after the last commit of a clean close, removed (durably) when the
 * spool opens. Found at opening, it says no crash could have left orphan content behind, so the
 * orphan sweep is skipped.
 */
final class CleanShutdownMarker {
    static final String FILE = "spool.clean";

    private CleanShutdownMarker() {}

    /** Whether the last run closed cleanly; removes the marker, so a crash of this run is seen as one. */
    static boolean take(Path directory) throws IOException {
        Path marker = directory.resolve(FILE);
        if (!Files.deleteIfExists(marker)) {
            return false;
        }
        // durable before this run commits anything: a crash must not find the old marker again
        syncDirectory(directory);
        return true;
    }

    /** Records a clean close; call only after the store's last commit and close. */
    static void write(Path directory) throws IOException {
        Path marker = directory.resolve(FILE);
        try (FileChannel ch = FileChannel.open(
                marker, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.force(true);
        }
        syncDirectory(directory);
    }

    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
