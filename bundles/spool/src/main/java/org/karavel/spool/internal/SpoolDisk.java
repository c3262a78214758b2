package org.karavel.spool.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens the files whose writes a commit must fsync before it tells the caller "queued": body files,
 * the bodies directory and the commit journal. Only {@link #REAL} is used outside tests; a test
 * substitutes channels that record every write and force, to prove the order.
 */
@FunctionalInterface
interface SpoolDisk {
    SpoolDisk REAL = FileChannel::open;

    FileChannel open(Path file, OpenOption... options) throws IOException;
}
