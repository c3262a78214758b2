package org.karavel.spool.internal;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The spool's configuration as plain values, so that tests build a spool without OSGi.
 *
 * @param directory where {@code spool.db}, {@code bodies/} and {@code quarantine/} live
 * @param inlineThresholdBytes bodies of at most this many octets are stored in MapDB, larger ones in their own file
 * @param maxBatch the most changes one commit applies
 * @param maxSpoolBytes the most content octets the spool holds; 0 for no limit
 * @param minFreeDiskBytes below this much free space on the spool's file system, new drafts are refused
 * @param draftMemoryBytes the most content octets a draft keeps in the heap before writing to its body file
 * @param recentContentBytes the most inline content octets of recently queued messages kept in the heap for delivery
 * @param emergencyReserveBytes size of {@code spool.reserve}, released when the file system is full so that
 *        removals and updates still commit; 0 for none
 */
public record SpoolSettings(
        Path directory,
        int inlineThresholdBytes,
        int maxBatch,
        long maxSpoolBytes,
        long minFreeDiskBytes,
        int draftMemoryBytes,
        long recentContentBytes,
        long emergencyReserveBytes) {

    public static final int DEFAULT_INLINE_THRESHOLD = 65536;
    public static final int DEFAULT_MAX_BATCH = 256;
    public static final long DEFAULT_MIN_FREE_DISK = 104_857_600L;
    public static final int DEFAULT_DRAFT_MEMORY = 65536;
    public static final long DEFAULT_RECENT_CONTENT = 16_777_216L;
    public static final long DEFAULT_EMERGENCY_RESERVE = 67_108_864L;

    public SpoolSettings {
        Objects.requireNonNull(directory, "directory");
        if (inlineThresholdBytes < 0
                || draftMemoryBytes < 0
                || maxSpoolBytes < 0
                || minFreeDiskBytes < 0
                || recentContentBytes < 0
                || emergencyReserveBytes < 0) {
            throw new IllegalArgumentException("spool sizes must not be negative");
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("max_batch must be at least 1");
        }
    }

    public static SpoolSettings defaults(Path directory) {
        return new SpoolSettings(
                directory,
                DEFAULT_INLINE_THRESHOLD,
                DEFAULT_MAX_BATCH,
                0,
                DEFAULT_MIN_FREE_DISK,
                DEFAULT_DRAFT_MEMORY,
                DEFAULT_RECENT_CONTENT,
                DEFAULT_EMERGENCY_RESERVE);
    }

    /**
     * The spool directory from the configured value: empty means {@code <karaf.data>/spool}, or
     * {@code data/spool} when karaf.data is unset; a literal {@code ${karaf.data}} is replaced too.
     */
    public static Path resolveDirectory(String configured, String karafData) {
        String data = karafData == null || karafData.isBlank() ? "data" : karafData;
        if (configured == null || configured.isBlank()) {
            return Path.of(data, "spool");
        }
        return Path.of(configured.replace("${karaf.data}", data));
    }

    public SpoolSettings withInlineThreshold(int bytes) {
        return new SpoolSettings(
                directory,
                bytes,
                maxBatch,
                maxSpoolBytes,
                minFreeDiskBytes,
                draftMemoryBytes,
                recentContentBytes,
                emergencyReserveBytes);
    }

    public SpoolSettings withMaxBatch(int operations) {
        return new SpoolSettings(
                directory,
                inlineThresholdBytes,
                operations,
                maxSpoolBytes,
                minFreeDiskBytes,
                draftMemoryBytes,
                recentContentBytes,
                emergencyReserveBytes);
    }

    public SpoolSettings withMaxSpoolBytes(long bytes) {
        return new SpoolSettings(
                directory,
                inlineThresholdBytes,
                maxBatch,
                bytes,
                minFreeDiskBytes,
                draftMemoryBytes,
                recentContentBytes,
                emergencyReserveBytes);
    }

    public SpoolSettings withMinFreeDisk(long bytes) {
        return new SpoolSettings(
                directory,
                inlineThresholdBytes,
                maxBatch,
                maxSpoolBytes,
                bytes,
                draftMemoryBytes,
                recentContentBytes,
                emergencyReserveBytes);
    }

    public SpoolSettings withDraftMemory(int bytes) {
        return new SpoolSettings(
                directory,
                inlineThresholdBytes,
                maxBatch,
                maxSpoolBytes,
                minFreeDiskBytes,
                bytes,
                recentContentBytes,
                emergencyReserveBytes);
    }

    public SpoolSettings withRecentContent(long bytes) {
        return new SpoolSettings(
                directory,
                inlineThresholdBytes,
                maxBatch,
                maxSpoolBytes,
                minFreeDiskBytes,
                draftMemoryBytes,
                bytes,
                emergencyReserveBytes);
    }

    public SpoolSettings withEmergencyReserve(long bytes) {
        return new SpoolSettings(
                directory,
                inlineThresholdBytes,
                maxBatch,
                maxSpoolBytes,
                minFreeDiskBytes,
                draftMemoryBytes,
                recentContentBytes,
                bytes);
    }
}
