package org.karavel.tls.internal;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.MxRecord;
import org.karavel.api.dns.Resolver;
import org.karavel.api.dns.TlsaAnswer;

/**
 * A Resolver answering from maps, for unit tests of policy logic (no sockets: the DNS server on
 * loopback is the dns bundle's business). Unknown names are NXDOMAIN.
 */
final class StubResolver implements Resolver {
    final Map<String, List<String>> txt = new ConcurrentHashMap<>();
    final Map<String, List<InetAddress>> addresses = new ConcurrentHashMap<>();
    final Map<String, TlsaAnswer> tlsa = new ConcurrentHashMap<>();
    final Map<String, DnsException> failures = new ConcurrentHashMap<>();
    final AtomicInteger txtQuestions = new AtomicInteger();
    boolean tlsaSupported = true;
    /** The TLSA names asked for, in order. */
    final List<String> tlsaAsked = new CopyOnWriteArrayList<>();

    private static <T> CompletionStage<T> nx(String name) {
        return CompletableFuture.failedFuture(new DnsException(DnsException.Reason.NO_SUCH_DOMAIN, name));
    }

    private <T> CompletionStage<T> answer(String name, Map<String, T> map) {
        DnsException failure = failures.get(name);
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        T value = map.get(name);
        return value == null ? nx(name) : CompletableFuture.completedFuture(value);
    }

    @Override
    public CompletionStage<List<MxRecord>> mx(String domain) {
        return nx(domain);
    }

    @Override
    public CompletionStage<List<InetAddress>> a(String host) {
        return answer(host, addresses);
    }

    @Override
    public CompletionStage<List<InetAddress>> aaaa(String host) {
        return CompletableFuture.completedFuture(List.of());
    }

    @Override
    public CompletionStage<List<InetAddress>> addresses(String host) {
        return answer(host, addresses);
    }

    @Override
    public CompletionStage<List<String>> txt(String name) {
        txtQuestions.incrementAndGet();
        return answer(name, txt);
    }

    @Override
    public CompletionStage<List<String>> ptr(InetAddress address) {
        return CompletableFuture.completedFuture(List.of());
    }

    @Override
    public CompletionStage<TlsaAnswer> tlsa(String name) {
        tlsaAsked.add(name);
        return tlsaSupported ? answer(name, tlsa) : Resolver.super.tlsa(name);
    }
}
