package org.karavel.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Looks into Maildir folders the distribution delivered to. */
final class Maildirs {
    private Maildirs() {}

    /** How many messages a folder (e.g. {@code .../new}) holds; 0 while it does not exist. */
    static long count(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        } catch (IOException e) {
            return 0;
        }
    }
}
