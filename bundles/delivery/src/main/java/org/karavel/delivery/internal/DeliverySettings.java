package org.karavel.delivery.internal;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.karavel.api.config.ListProperty;
import org.karavel.api.tls.TlsMode;
import org.slf4j.LoggerFactory;

/**
 * The delivery configuration as plain values, so the core can be built without OSGi. Defaults are
 * close to Postfix's.
 */
record DeliverySettings(
        int remotePort,
        NextHop smarthost,
        String heloName,
        int maxConnections,
        int maxConnectionsPerDestination,
        int maxMessagesPerConnection,
        Duration connectionIdle,
        Duration connectTimeout,
        Duration replyTimeout,
        Duration dataDoneTimeout,
        Duration minBackoff,
        Duration maxBackoff,
        Duration maxQueueLifetime,
        NextHop lmtp,
        Path maildirRoot,
        String recipientDelimiter,
        Duration scanInterval,
        TlsMode smarthostTls,
        int hopcountLimit,
        AddressFamilies addressFamilies,
        Duration transactionTimeout,
        Set<InetAddress> proxyInterfaces,
        Path bounceRules,
        Duration delayWarningTime,
        long dsnReturnLimit) {

    DeliverySettings {
        Objects.requireNonNull(heloName, "heloName");
        Objects.requireNonNull(maildirRoot, "maildirRoot");
        recipientDelimiter = recipientDelimiter == null ? "" : recipientDelimiter;
        if (heloName.isBlank()) {
            throw new IllegalArgumentException("helo_name is empty");
        }
        if (maxConnections < 1 || maxConnectionsPerDestination < 1 || maxMessagesPerConnection < 1) {
            throw new IllegalArgumentException("connection limits must be at least 1");
        }
        proxyInterfaces = proxyInterfaces == null ? Set.of() : Set.copyOf(proxyInterfaces);
        if (transactionTimeout.isNegative() || transactionTimeout.isZero()) {
            throw new IllegalArgumentException("transaction_timeout_seconds must be positive");
        }
        if (hopcountLimit < 1) {
            throw new IllegalArgumentException("hopcount_limit must be at least 1");
        }
        if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
            throw new IllegalArgumentException("need 0 < min_backoff <= max_backoff");
        }
        delayWarningTime = delayWarningTime == null ? Duration.ZERO : delayWarningTime;
        if (delayWarningTime.isNegative() || dsnReturnLimit < 0) {
            throw new IllegalArgumentException("delay_warning_time and dsn_return_limit cannot be negative");
        }
    }

    static Builder builder() {
        return new Builder();
    }

    /** Reads the OSGi configuration; {@code karafData} and {@code hostName} fill the empty defaults. */
    static DeliverySettings from(DeliveryConfig c, String karafData, String hostName) {
        Builder b = builder()
                .remotePort(c.remote__port())
                .heloName(c.helo__name().isBlank() ? hostName : c.helo__name().trim())
                .maxConnections(c.max__connections())
                .maxConnectionsPerDestination(c.max__connections__per__destination())
                .maxMessagesPerConnection(c.max__messages__per__connection())
                .connectionIdle(Duration.ofSeconds(c.connection__idle__seconds()))
                .connectTimeout(Duration.ofSeconds(c.connect__timeout__seconds()))
                .replyTimeout(Duration.ofSeconds(c.reply__timeout__seconds()))
                .dataDoneTimeout(Duration.ofSeconds(c.data__done__timeout__seconds()))
                .minBackoff(Duration.ofSeconds(c.min__backoff__seconds()))
                .maxBackoff(Duration.ofSeconds(c.max__backoff__seconds()))
                .maxQueueLifetime(Duration.ofSeconds(c.max__queue__lifetime__seconds()))
                .recipientDelimiter(c.recipient__delimiter())
                .scanInterval(Duration.ofMillis(c.scan__interval__millis()))
                .smarthostTls(c.smarthost__tls())
                .hopcountLimit(c.hopcount__limit())
                .addressFamilies(c.inet__protocols(), c.address__preference())
                .transactionTimeout(Duration.ofSeconds(c.transaction__timeout__seconds()))
                .proxyInterfaces(c.proxy__interfaces())
                .bounceRules(bounceRulesPath(c.bounce__rules()))
                .delayWarningTime(delayWarningTime(c.delay__warning__time()))
                .dsnReturnLimit(c.dsn__return__limit())
                .maildirRoot(
                        c.maildir__root().isBlank()
                                ? Path.of(karafData == null ? "data" : karafData, "mail")
                                : Path.of(c.maildir__root().trim()));
        if (!c.smarthost().isBlank()) {
            b.smarthost(NextHop.parse(c.smarthost(), c.remote__port()));
        }
        b.localTransport(c.local__transport());
        return b.build();
    }

    /**
     * delay_warning_time as Postfix writes it: a number and a unit (s, m, h, d, w), hours without one.
     * A value that is not that is an ERROR naming the key, and the default (4h) applies.
     */
    static Duration delayWarningTime(String value) {
        Duration d = postfixTime(value == null ? "" : value.trim().toLowerCase(Locale.ROOT));
        if (d == null) {
            LoggerFactory.getLogger(DeliverySettings.class)
                    .error(
                            "org.karavel.delivery.cfg: delay_warning_time = '{}' is not a time (e.g. 4h, 30m, 0);"
                                    + " using 4h",
                            value);
            return Duration.ofHours(4);
        }
        return d;
    }

    private static Duration postfixTime(String v) {
        if (!v.matches("[0-9]{1,9}[smhdw]?")) {
            return null;
        }
        char unit = Character.isDigit(v.charAt(v.length() - 1)) ? 'h' : v.charAt(v.length() - 1);
        long n = Long.parseLong(Character.isDigit(v.charAt(v.length() - 1)) ? v : v.substring(0, v.length() - 1));
        return switch (unit) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'd' -> Duration.ofDays(n);
            case 'w' -> Duration.ofDays(7 * n);
            default -> Duration.ofHours(n);
        };
    }

    /** The rules file: empty = {@code karavel.bounce-rules} in Karaf's etc/ (the shipped one). */
    private static String bounceRulesPath(String configured) {
        if (!configured.isBlank()) {
            return configured.trim();
        }
        String etc = System.getProperty("karaf.etc");
        return Path.of(etc == null ? "etc" : etc, "karavel.bounce-rules").toString();
    }

    /** Builds settings; unset values keep the defaults. */
    static final class Builder {
        private int remotePort = 25;
        private NextHop smarthost;
        private String heloName = "localhost";
        // Postfix: default_process_limit 100, default_destination_concurrency_limit 20
        private int maxConnections = 100;
        private int maxConnectionsPerDestination = 20;
        private int maxMessagesPerConnection = 100;
        private Duration connectionIdle = Duration.ofSeconds(2);
        private Duration connectTimeout = Duration.ofSeconds(30);
        private Duration replyTimeout = Duration.ofSeconds(300);
        private Duration dataDoneTimeout = Duration.ofSeconds(600);
        private Duration minBackoff = Duration.ofSeconds(300);
        private Duration maxBackoff = Duration.ofSeconds(14400);
        private Duration maxQueueLifetime = Duration.ofSeconds(432000);
        private NextHop lmtp;
        private Path maildirRoot = Path.of("data", "mail");
        private String recipientDelimiter = "+";
        private Duration scanInterval = Duration.ofMillis(1000);
        private TlsMode smarthostTls;
        // Postfix: hopcount_limit 50
        private int hopcountLimit = 50;
        private AddressFamilies addressFamilies = AddressFamilies.DEFAULT;
        // longer than data_done_timeout plus sending a 35 MB message at 50 KB/s
        private Duration transactionTimeout = Duration.ofSeconds(1800);
        private Set<InetAddress> proxyInterfaces = Set.of();
        private Path bounceRules;
        // Postfix's delay_warning_time as commonly set (its built-in default, 0h, sends none)
        private Duration delayWarningTime = Duration.ofHours(4);
        // Postfix's bounce_size_limit is 50000; a whole attachment-free message fits in 100 KiB
        private long dsnReturnLimit = 100 * 1024;

        /** Delay DSNs after this long in the queue; zero: none. */
        Builder delayWarningTime(Duration v) {
            delayWarningTime = v;
            return this;
        }

        /** RET=FULL returns the message up to this many octets, beyond it only the headers. */
        Builder dsnReturnLimit(long v) {
            dsnReturnLimit = v;
            return this;
        }

        Builder remotePort(int v) {
            remotePort = v;
            return this;
        }

        Builder smarthost(NextHop v) {
            smarthost = v;
            return this;
        }

        Builder smarthost(String spec) {
            smarthost = spec == null || spec.isBlank() ? null : NextHop.parse(spec, remotePort);
            return this;
        }

        Builder heloName(String v) {
            heloName = v;
            return this;
        }

        Builder maxConnections(int v) {
            maxConnections = v;
            return this;
        }

        Builder maxConnectionsPerDestination(int v) {
            maxConnectionsPerDestination = v;
            return this;
        }

        Builder maxMessagesPerConnection(int v) {
            maxMessagesPerConnection = v;
            return this;
        }

        Builder connectionIdle(Duration v) {
            connectionIdle = v;
            return this;
        }

        Builder connectTimeout(Duration v) {
            connectTimeout = v;
            return this;
        }

        Builder replyTimeout(Duration v) {
            replyTimeout = v;
            return this;
        }

        Builder dataDoneTimeout(Duration v) {
            dataDoneTimeout = v;
            return this;
        }

        Builder minBackoff(Duration v) {
            minBackoff = v;
            return this;
        }

        Builder maxBackoff(Duration v) {
            maxBackoff = v;
            return this;
        }

        Builder maxQueueLifetime(Duration v) {
            maxQueueLifetime = v;
            return this;
        }

        /** {@code maildir} or {@code lmtp:host:port}. */
        Builder localTransport(String v) {
            String s = v == null ? "" : v.trim();
            if (s.isEmpty() || s.equalsIgnoreCase("maildir")) {
                lmtp = null;
            } else if (s.toLowerCase(Locale.ROOT).startsWith("lmtp:")) {
                NextHop hop = NextHop.parse(s.substring(5), 24);
                lmtp = new NextHop(hop.host(), hop.port(), false);
            } else {
                throw new IllegalArgumentException("local_transport must be maildir or lmtp:host:port: " + v);
            }
            return this;
        }

        Builder maildirRoot(Path v) {
            maildirRoot = v;
            return this;
        }

        Builder recipientDelimiter(String v) {
            recipientDelimiter = v;
            return this;
        }

        Builder scanInterval(Duration v) {
            scanInterval = v;
            return this;
        }

        /** A TLS mode name for the smarthost; empty: the outbound TLS policy of its host name decides. */
        Builder smarthostTls(String v) {
            smarthostTls = v == null || v.isBlank() ? null : TlsMode.parse(v);
            return this;
        }

        /** inet_protocols (all, ipv4, ipv6) and address_preference (ipv6, ipv4, any), as Postfix's. */
        Builder addressFamilies(String protocols, String preference) {
            addressFamilies = new AddressFamilies(
                    AddressFamilies.Protocols.parse(protocols), AddressFamilies.Preference.parse(preference));
            return this;
        }

        /** The deadline of one whole mail transaction (MAIL to the reply to the final dot). */
        Builder transactionTimeout(Duration v) {
            transactionTimeout = v;
            return this;
        }

        /** More Received: fields than this: the message is bounced (5.4.6), it is in a loop. */
        Builder hopcountLimit(int v) {
            hopcountLimit = v;
            return this;
        }

        /**
         * Addresses, separated by commas or spaces, that reach this server through NAT or a proxy
         * (Postfix's proxy_interfaces): an MX host there is this server.
         */
        /** The bounce rules file; null (the builder's default) for none. */
        Builder bounceRules(String v) {
            bounceRules = v == null || v.isBlank() ? null : Path.of(v);
            return this;
        }

        Builder proxyInterfaces(String v) {
            Set<InetAddress> set = new LinkedHashSet<>();
            for (String a : ListProperty.entries(v)) {
                InetAddress ip = IpLiteral.parse(a.startsWith("[") ? a : "[" + a + "]");
                if (ip == null) {
                    throw new IllegalArgumentException("proxy_interfaces: not an IP address: " + a);
                }
                set.add(ip);
            }
            proxyInterfaces = set;
            return this;
        }

        DeliverySettings build() {
            return new DeliverySettings(
                    remotePort,
                    smarthost,
                    heloName,
                    maxConnections,
                    maxConnectionsPerDestination,
                    maxMessagesPerConnection,
                    connectionIdle,
                    connectTimeout,
                    replyTimeout,
                    dataDoneTimeout,
                    minBackoff,
                    maxBackoff,
                    maxQueueLifetime,
                    lmtp,
                    maildirRoot,
                    recipientDelimiter,
                    scanInterval,
                    smarthostTls,
                    hopcountLimit,
                    addressFamilies,
                    transactionTimeout,
                    proxyInterfaces,
                    bounceRules,
                    delayWarningTime,
                    dsnReturnLimit);
        }
    }
}
