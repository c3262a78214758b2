package org.karavel.rspamd.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.karavel.api.config.ListProperty;
import org.karavel.api.filter.SessionView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checked configuration of the rspamd filter.
 *
 * @param checkUri the {@code /checkv2} address
 * @param password the controller password, empty for none; never logged
 * @param listeners the listener names whose messages are scanned
 * @param scanRelayClients whether mail from the relay policy's relay_hosts is scanned too
 * @param settingsIds Rspamd's {@code Settings-ID} per listener name
 * @param maxSize the largest message scanned, in octets; 0 for no limit
 */
record RspamdSettings(
        URI checkUri,
        Optional<String> password,
        Duration timeout,
        FailMode failMode,
        Set<String> listeners,
        boolean scanRelayClients,
        Map<String, String> settingsIds,
        long maxSize) {

    private static final Logger LOG = LoggerFactory.getLogger(RspamdSettings.class);
    static final String DEFAULT_URL = "http://127.0.0.1:11333";

    /** What a message gets when Rspamd could not say anything about it. */
    enum FailMode {
        /** Accepted, with a header saying it was not scanned. */
        OPEN,
        /** Refused with 451 4.7.1: the client tries again later. */
        CLOSED
    }

    RspamdSettings {
        listeners = Set.copyOf(listeners);
        settingsIds = Map.copyOf(settingsIds);
    }

    static RspamdSettings from(RspamdConfig c) {
        return new RspamdSettings(
                checkUri(c.url()),
                password(c.password()),
                Duration.ofMillis(Math.max(100, c.timeout__millis())),
                failMode(c.fail__mode()),
                listeners(c.listeners()),
                c.scan__relay__clients(),
                settingsIds(c.settings__ids()),
                Math.max(0, c.max__size()));
    }

    /** The filter's own time limit for the SMTP listener: above ours, so that the fail mode decides. */
    long stageTimeoutMillis() {
        return timeout.toMillis() + 5000;
    }

    /** Whether this session's messages are scanned: its listener is listed, and it is not exempt. */
    boolean scans(SessionView session) {
        return listeners.contains(session.listenerName())
                && (scanRelayClients
                        || !Boolean.TRUE.equals(session.attributes().get(SessionView.RELAY_CLIENT)));
    }

    static URI checkUri(String url) {
        String text = url == null || url.isBlank() ? DEFAULT_URL : url.trim();
        try {
            URI u = new URI(text);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
                throw new URISyntaxException(text, "not an http or https address with a host");
            }
            String path = u.getPath() == null ? "" : u.getPath();
            if (!path.endsWith("/checkv2")) {
                path = (path.endsWith("/") ? path.substring(0, path.length() - 1) : path) + "/checkv2";
            }
            return new URI(scheme, null, u.getHost(), u.getPort(), path, null, null);
        } catch (URISyntaxException e) {
            LOG.warn("rspamd: url={} is not usable ({}); using {}", url, e.getMessage(), DEFAULT_URL);
            return URI.create(DEFAULT_URL + "/checkv2");
        }
    }

    private static Optional<String> password(String p) {
        String t = p == null ? "" : p.trim();
        if (t.contains("$[")) {
            // Config Admin leaves a reference it cannot resolve as it is; sending it would be useless
            LOG.error(
                    "rspamd: password = {} in etc/org.karavel.rspamd.cfg cannot be resolved (no such secret file or "
                            + "environment variable); no password is sent",
                    t);
            return Optional.empty();
        }
        return t.isEmpty() ? Optional.empty() : Optional.of(t);
    }

    // anything but "closed" is open: a typo must not refuse mail
    private static FailMode failMode(String m) {
        String t = m == null ? "" : m.trim().toLowerCase(Locale.ROOT).replace("fail_", "");
        if (t.equals("closed")) {
            return FailMode.CLOSED;
        }
        if (!t.equals("open")) {
            LOG.warn("rspamd: fail_mode={} is neither open nor closed; using open", m);
        }
        return FailMode.OPEN;
    }

    private static Set<String> listeners(String[] names) {
        return new LinkedHashSet<>(ListProperty.entries(names));
    }

    private static Map<String, String> settingsIds(String[] pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : ListProperty.entries(pairs)) {
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1 || !part.substring(eq + 1).matches("[A-Za-z0-9_.-]+")) {
                LOG.warn("rspamd: settings_ids entry {} is not listener=id; left out", part);
                continue;
            }
            out.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return out;
    }

    @Override
    public String toString() {
        // the password never leaves this record
        return "url=" + checkUri + " password=" + (password.isPresent() ? "(set)" : "(none)") + " timeout="
                + timeout.toMillis() + "ms fail_mode=" + failMode.name().toLowerCase(Locale.ROOT) + " listeners="
                + listeners + " scan_relay_clients=" + scanRelayClients + " settings_ids=" + settingsIds + " max_size="
                + maxSize;
    }
}
