package org.karavel.api.dns;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The one DNS resolver every Karavel bundle asks. Answers are cached for their TTL. A name that
 * exists but has no records of the type asked gives an empty list; a name that does not exist, a
 * server failure or a timeout fails the stage with a {@link DnsException}.
 */
public interface Resolver {
    /** The MX records of a domain, sorted by preference (equal preferences in random order). */
    CompletionStage<List<MxRecord>> mx(String domain);

    /**
     * The MX records of a domain with their DNSSEC status, failing as {@link #mx} does. This default,
     * for resolvers without DNSSEC support, answers {@link #mx} as never authentic.
     */
    default CompletionStage<MxAnswer> mxAnswer(String domain) {
        return mx(domain).thenApply(records -> new MxAnswer(records, false));
    }

    /** The IPv4 addresses of a host (A). */
    CompletionStage<List<InetAddress>> a(String host);

    /** The IPv6 addresses of a host (AAAA). */
    CompletionStage<List<InetAddress>> aaaa(String host);

    /** A and AAAA together, IPv6 first when present; fails only when both fail. */
    CompletionStage<List<InetAddress>> addresses(String host);

    /** The TXT records of a name, each one's strings joined. */
    CompletionStage<List<String>> txt(String name);

    /** The names of an address (PTR), without trailing dots. */
    CompletionStage<List<String>> ptr(InetAddress address);

    /** The message of the {@link DnsException} that {@link #tlsa} fails with when the resolver cannot do TLSA. */
    String TLSA_UNSUPPORTED = "TLSA not supported";

    /**
     * The TLSA records of a name such as {@code _25._tcp.mx.example.com}, with whether DNSSEC vouched
     * for them (DANE, RFC 7672). A name that does not exist fails with {@code NO_SUCH_DOMAIN}; a
     * bogus (failed validation) answer fails with {@code SERVER_FAILURE}. This default, for resolvers
     * without DNSSEC support, fails with a {@link DnsException} whose message is {@link #TLSA_UNSUPPORTED}.
     */
    default CompletionStage<TlsaAnswer> tlsa(String name) {
        return CompletableFuture.failedFuture(new DnsException(DnsException.Reason.SERVER_FAILURE, TLSA_UNSUPPORTED));
    }
}
