package org.karavel.testkit;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Another program that takes a file system's last byte, for disk-full tests: one file written until
 * the file system refuses even one more byte (ENOSPC), deleted again on request. Use it on a small
 * file system of the test's own (a tmpfs), never on one that others share.
 */
public final class FileSystemFiller implements AutoCloseable {
    private final Path file;
    private final long filled;
    private boolean freed;

    private FileSystemFiller(Path file, long filled) {
        this.file = file;
        this.filled = filled;
    }

    /**
     * Writes {@code file} until its file system is full to the last byte. Throws when a write fails for
     * any other reason than "No space left on device", so a test never mistakes another error for a full disk.
     */
    public static FileSystemFiller fill(Path file) throws IOException {
        long written = 0;
        try (FileOutputStream out = new FileOutputStream(file.toFile())) {
            // big chunks first for speed, then ever smaller ones until not even one byte fits
            for (int chunk : new int[] {1 << 20, 64 << 10, 4 << 10, 512, 1}) {
                byte[] b = new byte[chunk];
                while (true) {
                    try {
                        out.write(b);
                        written += chunk;
                    } catch (IOException ex) {
                        if (!String.valueOf(ex.getMessage()).contains("No space left on device")) {
                            throw new IOException("the filler stopped before the file system was full: " + ex, ex);
                        }
                        break;
                    }
                }
            }
        }
        return new FileSystemFiller(file, written);
    }

    /** The filler file. */
    public Path file() {
        return file;
    }

    /** How many octets the filler took. */
    public long filled() {
        return filled;
    }

    /** Gives the space back: deletes the file, which must still be there; does nothing the second time. */
    public synchronized void free() throws IOException {
        if (!freed) {
            Files.delete(file);
            freed = true;
        }
    }

    /** Frees the space unless that was done, so that a failed test does not leave the file system full. */
    @Override
    public synchronized void close() throws IOException {
        if (!freed) {
            Files.deleteIfExists(file);
            freed = true;
        }
    }
}
