package org.karavel.dns.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.karavel.api.config.ListProperty;
import org.xbill.DNS.Address;

/**
 * What the resolver is built from: plain values, so that tests build a resolver without OSGi.
 *
 * @param servers the servers to ask; empty means the system's resolvers
 * @param timeout how long one try at one server may take
 * @param retries how many more tries each server gets after a failed one
 * @param cache whether answers are cached for their TTL
 * @param maxCacheEntries the most names the cache holds
 * @param negativeTtlSeconds the cap on caching NXDOMAIN and NODATA
 * @param tcp whether to ask over TCP only
 * @param dnssec who vouches for TLSA answers
 * @param trustAnchorFile the trust anchors for {@link DnssecMode#VALIDATE}; empty otherwise
 */
public record DnsSettings(
        List<InetSocketAddress> servers,
        Duration timeout,
        int retries,
        boolean cache,
        int maxCacheEntries,
        int negativeTtlSeconds,
        boolean tcp,
        DnssecMode dnssec,
        Optional<Path> trustAnchorFile) {

    public static final int DNS_PORT = 53;

    public DnsSettings {
        servers = List.copyOf(servers);
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must not be negative: " + retries);
        }
        if (maxCacheEntries < 1) {
            throw new IllegalArgumentException("max_cache_entries must be at least 1: " + maxCacheEntries);
        }
        if (negativeTtlSeconds < 0) {
            throw new IllegalArgumentException("negative_ttl_seconds must not be negative: " + negativeTtlSeconds);
        }
        Objects.requireNonNull(dnssec, "dnssec");
        Objects.requireNonNull(trustAnchorFile, "trustAnchorFile");
        if (dnssec == DnssecMode.VALIDATE && trustAnchorFile.isEmpty()) {
            throw new IllegalArgumentException(
                    "dnssec = validate needs trust_anchor_file (the root KSK as DS or DNSKEY records)");
        }
    }

    /** Without DNSSEC (the settings of the first version, kept for tests). */
    public DnsSettings(
            List<InetSocketAddress> servers,
            Duration timeout,
            int retries,
            boolean cache,
            int maxCacheEntries,
            int negativeTtlSeconds,
            boolean tcp) {
        this(
                servers,
                timeout,
                retries,
                cache,
                maxCacheEntries,
                negativeTtlSeconds,
                tcp,
                DnssecMode.OFF,
                Optional.empty());
    }

    /** These settings with another DNSSEC mode (and trust anchor file, for validate). */
    public DnsSettings withDnssec(DnssecMode mode, Optional<Path> anchors) {
        return new DnsSettings(
                servers, timeout, retries, cache, maxCacheEntries, negativeTtlSeconds, tcp, mode, anchors);
    }

    /** The defaults of {@link DnsConfig} with these servers (handy for tests). */
    public static DnsSettings defaults(List<InetSocketAddress> servers) {
        return new DnsSettings(servers, Duration.ofMillis(5000), 1, true, 10000, 300, false);
    }

    public static DnsSettings from(DnsConfig config) {
        List<InetSocketAddress> servers = new ArrayList<>();
        // an entry may hold several servers separated by commas or spaces, as a .cfg file gives a list as one string
        for (String s : ListProperty.entries(config.servers())) {
            servers.add(parseServer(s));
        }
        return new DnsSettings(
                servers,
                Duration.ofMillis(config.timeout__millis()),
                config.retries(),
                config.cache(),
                config.max__cache__entries(),
                config.negative__ttl__seconds(),
                config.tcp(),
                DnssecMode.parse(config.dnssec()),
                config.trust__anchor__file() == null
                                || config.trust__anchor__file().isBlank()
                        ? Optional.empty()
                        : Optional.of(Path.of(config.trust__anchor__file().trim())));
    }

    /**
     * Parses {@code 192.0.2.1}, {@code 192.0.2.1:5353}, {@code 2001:db8::1} or {@code [2001:db8::1]:5353}.
     * Only IP addresses are accepted: resolving a DNS server's name would need DNS, and a name that
     * cannot be resolved must fail the configuration rather than silently fall back to other servers.
     */
    public static InetSocketAddress parseServer(String text) {
        String host;
        int port = DNS_PORT;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("missing ']' in DNS server: " + text);
            }
            host = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("expected ':port' after ']' in DNS server: " + text);
                }
                port = parsePort(rest.substring(1), text);
            }
        } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            host = text.substring(0, text.indexOf(':'));
            port = parsePort(text.substring(text.indexOf(':') + 1), text);
        } else {
            host = text;
        }
        byte[] raw = Address.toByteArray(host, host.indexOf(':') >= 0 ? Address.IPv6 : Address.IPv4);
        if (raw == null) {
            throw new IllegalArgumentException("DNS server must be an IP address (with optional port): " + text);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(raw), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("invalid DNS server address: " + text, e);
        }
    }

    private static int parsePort(String p, String text) {
        try {
            int port = Integer.parseInt(p);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range in DNS server: " + text);
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid port in DNS server: " + text, e);
        }
    }
}
