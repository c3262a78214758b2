package org.karavel.clamav.internal;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import org.karavel.api.config.ListProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checked configuration of the clamav filter. A value that cannot be used is logged and replaced
 * by its default, never by something that refuses mail.
 */
record ClamavSettings(
        ClamdAddress address,
        Set<String> listeners,
        long maxSize,
        Duration timeout,
        FailMode failMode,
        int scanThreads) {

    static final String DEFAULT_ADDRESS = "unix:/run/clamav/clamd.ctl";
    /** clamd's own default StreamMaxLength, 25 MB. */
    static final long DEFAULT_MAX_SIZE = 25L * 1024 * 1024;

    static final long DEFAULT_TIMEOUT_MILLIS = 30_000;
    static final int DEFAULT_SCAN_THREADS = 4;
    private static final int MAX_SCAN_THREADS = 64;

    private static final Logger LOG = LoggerFactory.getLogger(ClamavSettings.class);

    /** What a message gets when clamd cannot tell whether it carries a virus. */
    enum FailMode {
        /** Accepted, with {@code X-Virus-Scanned: unscanned (clamd unavailable)}. */
        OPEN,
        /** Deferred with 451 4.7.1. */
        CLOSED
    }

    static ClamavSettings from(ClamavConfig c) {
        return new ClamavSettings(
                address(c.address()),
                listeners(c.listeners()),
                positive(c.max__size(), DEFAULT_MAX_SIZE, "max_size"),
                Duration.ofMillis(positive(c.timeout__millis(), DEFAULT_TIMEOUT_MILLIS, "timeout_millis")),
                failMode(c.fail__mode()),
                (int) Math.min(MAX_SCAN_THREADS, positive(c.scan__threads(), DEFAULT_SCAN_THREADS, "scan_threads")));
    }

    private static ClamdAddress address(String text) {
        try {
            return ClamdAddress.parse(text == null ? "" : text);
        } catch (IllegalArgumentException e) {
            LOG.error("clamav: address = {} cannot be used ({}); using {}", text, e.getMessage(), DEFAULT_ADDRESS);
            return ClamdAddress.parse(DEFAULT_ADDRESS);
        }
    }

    private static Set<String> listeners(String[] entries) {
        Set<String> names = new LinkedHashSet<>(ListProperty.entries(entries));
        if (names.isEmpty()) {
            LOG.warn("clamav: listeners is empty: no message is scanned");
        }
        return Collections.unmodifiableSet(names);
    }

    private static long positive(long value, long fallback, String key) {
        if (value > 0) {
            return value;
        }
        LOG.warn("clamav: {} = {} is not positive; using {}", key, value, fallback);
        return fallback;
    }

    // an unknown mode is open: a typo must not refuse mail
    private static FailMode failMode(String mode) {
        String m = mode == null ? "" : mode.trim().toLowerCase(Locale.ROOT);
        if ("closed".equals(m)) {
            return FailMode.CLOSED;
        }
        if (!"open".equals(m)) {
            LOG.warn("clamav: fail_mode = {} is neither open nor closed; using open", mode);
        }
        return FailMode.OPEN;
    }

    /** For the log line at each configuration. */
    String describe() {
        return "address=" + address + " listeners=" + String.join(",", listeners) + " max_size=" + maxSize
                + " timeout_millis=" + timeout.toMillis() + " fail_mode="
                + failMode.name().toLowerCase(Locale.ROOT)
                + " scan_threads=" + scanThreads;
    }
}
