package org.karavel.smtp.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.karavel.api.config.ListProperty;

/**
 * The checked settings of one listener, built from {@link ListenerConfig} (or by tests).
 * A session keeps the settings it started with; a configuration change applies to new sessions.
 */
record ListenerSettings(
        String name,
        String address,
        int port,
        String hostname,
        long maxMessageSize,
        int maxRecipients,
        int maxCommandLine,
        int maxDataLine,
        int commandTimeoutSeconds,
        int dataTimeoutSeconds,
        int maxConnections,
        int maxConnectionsPerIp,
        int maxErrors,
        boolean normalizeBareLineEndings,
        long filterTimeoutMillis,
        Set<String> requiredFilters,
        Tls tls,
        boolean authRequired,
        boolean senderLoginMatch,
        boolean fromLoginMatch,
        int authMaxFailures,
        int authFailureWindowSeconds,
        List<String> tlsProtocols,
        List<String> tlsCipherSuites,
        LimitExceptions clientLimitExceptions,
        int clientIpv4PrefixLength,
        int clientIpv6PrefixLength,
        int hopcountLimit,
        boolean auth,
        int maxConnectionRatePerIp) {

    /**
     * How the listener offers TLS: not at all, STARTTLS (RFC 3207) when a certificate service is
     * present, STARTTLS required before MAIL/RCPT/AUTH, or TLS from the first byte (RFC 8314, port 465).
     */
    enum Tls {
        NONE,
        STARTTLS,
        REQUIRED,
        IMPLICIT
    }

    /** RFC 5321 §4.5.3.1.4: a server must take command lines of 512 octets. */
    static final int MIN_COMMAND_LINE = 512;

    ListenerSettings {
        require(name != null && name.matches("[A-Za-z0-9._-]+"), "name", name, "letters, digits, '.', '_' or '-'");
        require(address != null && !address.isBlank(), "address", address, "one or more IP addresses");
        require(port >= 0 && port <= 65535, "port", port, "0 to 65535");
        require(hostname != null && hostname.matches("[A-Za-z0-9.:\\[\\]-]+"), "hostname", hostname, "a host name");
        require(maxMessageSize > 0, "max_message_size", maxMessageSize, "positive");
        require(maxRecipients > 0, "max_recipients", maxRecipients, "positive");
        require(maxCommandLine >= MIN_COMMAND_LINE, "max_command_line", maxCommandLine, "at least " + MIN_COMMAND_LINE);
        require(maxDataLine >= 1000, "max_data_line", maxDataLine, "at least 1000");
        require(commandTimeoutSeconds > 0, "command_timeout_seconds", commandTimeoutSeconds, "positive");
        require(dataTimeoutSeconds > 0, "data_timeout_seconds", dataTimeoutSeconds, "positive");
        require(maxConnections > 0, "max_connections", maxConnections, "positive");
        require(maxConnectionsPerIp > 0, "max_connections_per_ip", maxConnectionsPerIp, "positive");
        require(maxErrors > 0, "max_errors", maxErrors, "positive");
        require(filterTimeoutMillis > 0, "filter_timeout_millis", filterTimeoutMillis, "positive");
        require(tls != null, "tls", tls, "none, starttls, required or implicit");
        require(authMaxFailures > 0, "auth_max_failures", authMaxFailures, "positive");
        require(authFailureWindowSeconds > 0, "auth_failure_window_seconds", authFailureWindowSeconds, "positive");
        requiredFilters = requiredFilters == null ? Set.of() : Set.copyOf(requiredFilters);
        tlsProtocols = tlsProtocols == null ? List.of() : List.copyOf(tlsProtocols);
        tlsCipherSuites = tlsCipherSuites == null ? List.of() : List.copyOf(tlsCipherSuites);
        clientLimitExceptions = clientLimitExceptions == null ? LimitExceptions.NONE : clientLimitExceptions;
        require(
                clientIpv4PrefixLength >= 8 && clientIpv4PrefixLength <= 32,
                "client_ipv4_prefix_length",
                clientIpv4PrefixLength,
                "8 to 32");
        require(
                clientIpv6PrefixLength >= 16 && clientIpv6PrefixLength <= 128,
                "client_ipv6_prefix_length",
                clientIpv6PrefixLength,
                "16 to 128");
        require(hopcountLimit > 0, "hopcount_limit", hopcountLimit, "positive");
        require(
                maxConnectionRatePerIp >= 0,
                "max_connection_rate_per_ip",
                maxConnectionRatePerIp,
                "0 (no limit) or positive");
        require(auth || !authRequired, "auth", auth, "true when auth_required is true");
        for (String a : addresses(address)) {
            require(isAddressLiteral(a), "address", address, "IP addresses, comma-separated (e.g. 0.0.0.0, ::)");
        }
    }

    /**
     * Clients the per-client connection limit does not apply to (Postfix's
     * smtpd_client_event_limit_exceptions): the relay policy's relay_hosts and/or networks.
     */
    record LimitExceptions(boolean relayHosts, List<org.karavel.api.net.CidrBlock> networks) {
        static final LimitExceptions NONE = new LimitExceptions(false, List.of());

        LimitExceptions {
            networks = networks == null ? List.of() : List.copyOf(networks);
        }

        /** Reads {@code relay_hosts} and CIDR networks, as client_limit_exceptions lists them. */
        static LimitExceptions parse(Collection<String> entries) {
            boolean relay = false;
            List<org.karavel.api.net.CidrBlock> nets = new ArrayList<>();
            for (String e : entries) {
                if (e.equalsIgnoreCase("relay_hosts")) {
                    relay = true;
                } else {
                    try {
                        nets.add(org.karavel.api.net.CidrBlock.parse(e));
                    } catch (IllegalArgumentException bad) {
                        throw new IllegalArgumentException("client_limit_exceptions must be relay_hosts or networks "
                                + "(is " + e + ": " + bad.getMessage() + ")");
                    }
                }
            }
            return new LimitExceptions(relay, nets);
        }

        /** Whether this client is exempt; relayHosts is the relay policy now (null while none runs). */
        boolean exempt(InetAddress client, org.karavel.api.net.RelayHosts relayHosts) {
            if (this.relayHosts && relayHosts != null && relayHosts.isRelayHost(client)) {
                return true;
            }
            for (org.karavel.api.net.CidrBlock n : networks) {
                if (n.contains(client)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The addresses to listen on: {@code address} may name several, comma- or space-separated. */
    List<String> addresses() {
        return addresses(address);
    }

    private static List<String> addresses(String value) {
        return List.copyOf(names(new String[] {value}));
    }

    /** Only literals: a listener address is never looked up in DNS. */
    private static boolean isAddressLiteral(String a) {
        try {
            org.karavel.api.net.CidrBlock.parse(a);
            return a.indexOf('/') < 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The network a client is counted in for the per-client limits and the AUTH throttle. */
    org.karavel.api.net.CidrBlock clientNetwork(InetAddress client) {
        return org.karavel.api.net.CidrBlock.enclosing(
                client, client instanceof Inet4Address ? clientIpv4PrefixLength : clientIpv6PrefixLength);
    }

    /** Splits a list value as .cfg files give it: one string, comma- or space-separated. */
    static Set<String> names(String[] values) {
        return new LinkedHashSet<>(ListProperty.entries(values));
    }

    /**
     * Reads a configuration.
     *
     * @param defaultHostname used when the configuration leaves {@code hostname} empty
     * @throws IllegalArgumentException naming the key when a value is out of range
     */
    static ListenerSettings from(ListenerConfig c, String defaultHostname) {
        String bare = c.bare__line__endings() == null
                ? "reject"
                : c.bare__line__endings().strip().toLowerCase(Locale.ROOT);
        require(bare.equals("reject") || bare.equals("normalize"), "bare_line_endings", bare, "reject or normalize");
        String tlsMode = c.tls() == null || c.tls().isBlank()
                ? "starttls"
                : c.tls().strip().toLowerCase(Locale.ROOT);
        require(
                tlsMode.matches("none|starttls|required|implicit"),
                "tls",
                tlsMode,
                "none, starttls, required or implicit");
        String host = c.hostname() == null || c.hostname().isBlank()
                ? defaultHostname
                : c.hostname().strip();
        return new ListenerSettings(
                c.name(),
                c.address() == null ? null : c.address().strip(),
                c.port(),
                host,
                c.max__message__size(),
                c.max__recipients(),
                c.max__command__line(),
                c.max__data__line(),
                c.command__timeout__seconds(),
                c.data__timeout__seconds(),
                c.max__connections(),
                c.max__connections__per__ip(),
                c.max__errors(),
                bare.equals("normalize"),
                c.filter__timeout__millis(),
                names(c.required__filters()),
                Tls.valueOf(tlsMode.toUpperCase(Locale.ROOT)),
                c.auth__required(),
                true,
                c.from__login__match(),
                c.auth__max__failures(),
                c.auth__failure__window__seconds(),
                List.copyOf(names(c.tls__protocols())),
                List.copyOf(names(c.tls__cipher__suites())),
                LimitExceptions.parse(names(c.client__limit__exceptions())),
                c.client__ipv4__prefix__length(),
                c.client__ipv6__prefix__length(),
                c.hopcount__limit(),
                c.auth(),
                c.max__connection__rate__per__ip());
    }

    /** Defaults as in {@link ListenerConfig}, for tests and embedding. */
    static Builder builder(String hostname) {
        return new Builder(hostname);
    }

    /** Whether the other settings listen on the same address and port (no rebind needed). */
    boolean sameSocket(ListenerSettings other) {
        return addresses().equals(other.addresses()) && port == other.port;
    }

    private static void require(boolean ok, String key, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(key + " must be " + expected + " (is " + value + ")");
        }
    }

    /** Settings with defaults; tests change what they need. */
    static final class Builder {
        private String name = "mx";
        private String address = "::";
        private int port = 25;
        private final String hostname;
        private long maxMessageSize = 36700160L;
        private int maxRecipients = 1000;
        private int maxCommandLine = 2048;
        private int maxDataLine = 32768;
        private int commandTimeoutSeconds = 300;
        private int dataTimeoutSeconds = 300;
        private int maxConnections = 1000;
        private int maxConnectionsPerIp = 20;
        private int maxErrors = 20;
        private boolean normalize;
        private long filterTimeoutMillis = 30000L;
        private Set<String> requiredFilters = Set.of();
        private Tls tls = Tls.STARTTLS;
        private boolean authRequired;
        private boolean senderLoginMatch = true;
        private boolean fromLoginMatch = true;
        private int authMaxFailures = 5;
        private int authFailureWindowSeconds = 300;
        private LimitExceptions clientLimitExceptions = LimitExceptions.NONE;
        private int clientIpv4PrefixLength = 32;
        private int clientIpv6PrefixLength = 64;
        private int hopcountLimit = 50;
        private int maxConnectionRatePerIp;
        private boolean auth = true;

        private Builder(String hostname) {
            this.hostname = hostname;
        }

        Builder name(String v) {
            name = v;
            return this;
        }

        Builder address(String v) {
            address = v;
            return this;
        }

        Builder port(int v) {
            port = v;
            return this;
        }

        Builder maxMessageSize(long v) {
            maxMessageSize = v;
            return this;
        }

        Builder maxRecipients(int v) {
            maxRecipients = v;
            return this;
        }

        Builder maxCommandLine(int v) {
            maxCommandLine = v;
            return this;
        }

        Builder maxDataLine(int v) {
            maxDataLine = v;
            return this;
        }

        Builder commandTimeoutSeconds(int v) {
            commandTimeoutSeconds = v;
            return this;
        }

        Builder dataTimeoutSeconds(int v) {
            dataTimeoutSeconds = v;
            return this;
        }

        Builder maxConnections(int v) {
            maxConnections = v;
            return this;
        }

        Builder maxConnectionsPerIp(int v) {
            maxConnectionsPerIp = v;
            return this;
        }

        Builder maxErrors(int v) {
            maxErrors = v;
            return this;
        }

        Builder normalizeBareLineEndings(boolean v) {
            normalize = v;
            return this;
        }

        Builder filterTimeoutMillis(long v) {
            filterTimeoutMillis = v;
            return this;
        }

        Builder requiredFilters(String... v) {
            requiredFilters = Set.of(v);
            return this;
        }

        Builder tls(Tls v) {
            tls = v;
            return this;
        }

        Builder authRequired(boolean v) {
            authRequired = v;
            return this;
        }

        Builder senderLoginMatch(boolean v) {
            senderLoginMatch = v;
            return this;
        }

        Builder fromLoginMatch(boolean v) {
            fromLoginMatch = v;
            return this;
        }

        Builder authMaxFailures(int v) {
            authMaxFailures = v;
            return this;
        }

        Builder authFailureWindowSeconds(int v) {
            authFailureWindowSeconds = v;
            return this;
        }

        private List<String> tlsProtocols = List.of();
        private List<String> tlsCipherSuites = List.of();

        Builder tlsProtocols(String... v) {
            tlsProtocols = List.of(v);
            return this;
        }

        Builder tlsCipherSuites(String... v) {
            tlsCipherSuites = List.of(v);
            return this;
        }

        Builder clientLimitExceptions(String... v) {
            clientLimitExceptions = LimitExceptions.parse(List.of(v));
            return this;
        }

        Builder clientIpv4PrefixLength(int v) {
            clientIpv4PrefixLength = v;
            return this;
        }

        Builder clientIpv6PrefixLength(int v) {
            clientIpv6PrefixLength = v;
            return this;
        }

        Builder hopcountLimit(int v) {
            hopcountLimit = v;
            return this;
        }

        Builder maxConnectionRatePerIp(int v) {
            maxConnectionRatePerIp = v;
            return this;
        }

        Builder auth(boolean v) {
            auth = v;
            return this;
        }

        ListenerSettings build() {
            return new ListenerSettings(
                    name,
                    address,
                    port,
                    hostname,
                    maxMessageSize,
                    maxRecipients,
                    maxCommandLine,
                    maxDataLine,
                    commandTimeoutSeconds,
                    dataTimeoutSeconds,
                    maxConnections,
                    maxConnectionsPerIp,
                    maxErrors,
                    normalize,
                    filterTimeoutMillis,
                    requiredFilters,
                    tls,
                    authRequired,
                    senderLoginMatch,
                    fromLoginMatch,
                    authMaxFailures,
                    authFailureWindowSeconds,
                    tlsProtocols,
                    tlsCipherSuites,
                    clientLimitExceptions,
                    clientIpv4PrefixLength,
                    clientIpv6PrefixLength,
                    hopcountLimit,
                    auth,
                    maxConnectionRatePerIp);
        }
    }
}
