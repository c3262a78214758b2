package org.karavel.admin.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.karavel.api.config.ListProperty;
import org.karavel.api.net.CidrBlock;

/**
 * The admin API's configuration, checked: a value that makes no sense stops the component from
 * listening (with one ERROR) rather than running with a guess.
 */
record AdminSettings(
        boolean enabled,
        String address,
        int port,
        boolean tls,
        List<CidrBlock> trustedHosts,
        Set<String> adminUsers,
        int authMaxFailures,
        int authFailureWindowSeconds,
        long maxRequestBytes,
        int threads,
        String hostname,
        Set<String> serverNames,
        Path tokenFile,
        int injectMaxRecipients,
        long injectMaxRequestBytes) {
    static final String INJECT_PATH = "/api/v1/inject";
    static final int DEFAULT_INJECT_MAX_RECIPIENTS = 10_000;
    static final long DEFAULT_INJECT_MAX_REQUEST_BYTES = 32L * 1024 * 1024;

    /** The settings with the injection limits at their defaults. */
    AdminSettings(
            boolean enabled,
            String address,
            int port,
            boolean tls,
            List<CidrBlock> trustedHosts,
            Set<String> adminUsers,
            int authMaxFailures,
            int authFailureWindowSeconds,
            long maxRequestBytes,
            int threads,
            String hostname,
            Set<String> serverNames,
            Path tokenFile) {
        this(
                enabled,
                address,
                port,
                tls,
                trustedHosts,
                adminUsers,
                authMaxFailures,
                authFailureWindowSeconds,
                maxRequestBytes,
                threads,
                hostname,
                serverNames,
                tokenFile,
                DEFAULT_INJECT_MAX_RECIPIENTS,
                DEFAULT_INJECT_MAX_REQUEST_BYTES);
    }

    AdminSettings {
        trustedHosts = List.copyOf(trustedHosts);
        Set<String> users = new LinkedHashSet<>();
        for (String u : adminUsers) {
            users.add(u.toLowerCase(Locale.ROOT));
        }
        adminUsers = Set.copyOf(users);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, not " + port);
        }
        if (!address.matches("[0-9A-Fa-f:.]+")) {
            // a host name would be resolved: the admin API binds to a literal only
            throw new IllegalArgumentException("address must be an IP address literal, not " + address);
        }
        require(authMaxFailures > 0, "auth_max_failures", authMaxFailures);
        require(authFailureWindowSeconds > 0, "auth_failure_window_seconds", authFailureWindowSeconds);
        require(maxRequestBytes > 0, "max_request_bytes", maxRequestBytes);
        require(threads > 0 && threads <= 64, "threads", threads);
        require(injectMaxRecipients > 0, "inject_max_recipients", injectMaxRecipients);
        require(injectMaxRequestBytes > 0, "inject_max_request_bytes", injectMaxRequestBytes);
        Set<String> names = new LinkedHashSet<>();
        for (String n : serverNames) {
            String name = BrowserGuard.normalName(n);
            if (!BrowserGuard.isHostName(name) && BrowserGuard.literal(name) == null) {
                throw new IllegalArgumentException("server_names: not a host name: " + n);
            }
            names.add(name);
        }
        serverNames = Set.copyOf(names);
    }

    static AdminSettings from(AdminConfig c, String defaultHostname) {
        List<CidrBlock> trusted = new ArrayList<>();
        for (String text : names(c.trusted__hosts())) {
            try {
                trusted.add(CidrBlock.parse(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("trusted_hosts: " + e.getMessage(), e);
            }
        }
        String host = c.hostname() == null || c.hostname().isBlank()
                ? defaultHostname
                : c.hostname().strip();
        return new AdminSettings(
                c.enabled(),
                c.address().strip(),
                c.port(),
                c.tls(),
                trusted,
                names(c.admin__users()),
                c.auth__max__failures(),
                c.auth__failure__window__seconds(),
                c.max__request__bytes(),
                c.threads(),
                host,
                names(c.server__names()),
                tokenFile(c.token__file()),
                c.inject__max__recipients(),
                c.inject__max__request__bytes());
    }

    /** The token file: empty is none; a relative path is taken from Karaf's etc directory. */
    static Path tokenFile(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        Path p = Path.of(text.strip());
        String etc = System.getProperty("karaf.etc");
        return p.isAbsolute() || etc == null ? p.toAbsolutePath() : Path.of(etc).resolve(p);
    }

    /** Splits a list value as .cfg files give it: one string, comma- or space-separated. */
    static Set<String> names(String[] values) {
        return new LinkedHashSet<>(ListProperty.entries(values));
    }

    /** The largest body a request to this path may have: injection has its own limit. */
    long maxRequestBytes(String path) {
        return INJECT_PATH.equals(path) ? injectMaxRequestBytes : maxRequestBytes;
    }

    /** The setting that limits a request to this path, for the 413 answer. */
    static String maxRequestBytesKey(String path) {
        return INJECT_PATH.equals(path) ? "inject_max_request_bytes" : "max_request_bytes";
    }

    boolean isAdmin(String user) {
        return user != null && adminUsers.contains(user.toLowerCase(Locale.ROOT));
    }

    private static void require(boolean ok, String key, Object value) {
        if (!ok) {
            throw new IllegalArgumentException(key + " out of range: " + value);
        }
    }
}
