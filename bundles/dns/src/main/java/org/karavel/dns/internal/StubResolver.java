package org.karavel.dns.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.karavel.api.address.DomainName;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.DnsException.Reason;
import org.karavel.api.dns.MxAnswer;
import org.karavel.api.dns.MxRecord;
import org.karavel.api.dns.Resolver;
import org.karavel.api.dns.TlsaAnswer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;
import org.xbill.DNS.dnssec.ValidatingResolver;
import org.xbill.DNS.lookup.LookupFailedException;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.NoSuchRRSetException;

/**
 * A caching stub resolver: asks the configured servers (dnsjava's {@link LookupSession}, which
 * follows CNAME chains and caches per TTL) and turns answers into the api's types and failures.
 * Nothing here blocks: a cached answer completes at once, anything else completes on a small
 * pool of this resolver's threads.
 */
public final class StubResolver implements Resolver, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StubResolver.class);
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

    private final LookupSession session;
    private final ThreadPoolExecutor executor;
    private final List<InetSocketAddress> servers;
    private final Cache cache;
    /** Longest a question may take: every try at every server, plus slack; a guard, dnsjava times out first. */
    private final long deadlineMillis;

    private final Deadlines deadlines;

    private final DnsCounters counters;
    private final DnssecMode dnssec;
    private final SecureLookup secure;

    public StubResolver(DnsSettings settings) {
        this(settings, new DnsCounters());
    }

    public StubResolver(DnsSettings settings, DnsCounters counters) {
        this(settings, counters, Deadlines.SYSTEM);
    }

    /** As the public constructors, with the tries' and questions' timeouts kept by {@code deadlines}. */
    StubResolver(DnsSettings settings, DnsCounters counters, Deadlines deadlines) {
        this.counters = counters;
        this.deadlines = deadlines;
        this.servers = settings.servers().isEmpty()
                ? List.copyOf(ResolverConfig.getCurrentConfig().servers())
                : settings.servers();
        if (servers.isEmpty()) {
            throw new IllegalStateException("no DNS servers configured and none found in the system configuration");
        }
        int tries = settings.retries() + 1;
        long perTry = settings.timeout().toMillis();
        long allTries = perTry * tries * servers.size();
        ExtendedResolver extended = serversOf(settings);
        this.deadlineMillis = 2 * allTries + 1000;

        int pool = POOL_NUMBER.incrementAndGet();
        AtomicInteger threadNumber = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(
                2,
                2,
                30,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                task -> {
                    Thread t = new Thread(task, "karavel-dns-" + pool + "-" + threadNumber.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                (task, pool1) ->
                        task.run()); // after close(): run the completion inline so that no stage is left hanging
        executor.allowCoreThreadTimeOut(true);

        LookupSession.LookupSessionBuilder builder =
                LookupSession.builder().resolver(extended).executor(executor).clearCaches();
        if (settings.cache()) {
            cache = new Cache(DClass.IN);
            cache.setMaxEntries(settings.maxCacheEntries());
            cache.setMaxNCache(settings.negativeTtlSeconds());
            builder.cache(cache);
        } else {
            cache = null;
        }
        this.session = builder.build();
        this.dnssec = settings.dnssec();
        this.secure = new SecureLookup(
                secureUpstream(settings, extended),
                settings.dnssec(),
                executor,
                settings.cache(),
                settings.maxCacheEntries(),
                settings.negativeTtlSeconds(),
                // validation asks for DNSKEY and DS records along the chain: several questions, not one
                settings.dnssec() == DnssecMode.VALIDATE ? 4 * deadlineMillis : deadlineMillis,
                counters,
                System::nanoTime);
        logDnssec(settings);
        LOG.info(
                "DNS resolver asks {} (timeout {} ms, {} tries per server, cache {}{})",
                servers,
                perTry,
                tries,
                settings.cache() ? "on, " + settings.maxCacheEntries() + " entries" : "off",
                settings.tcp() ? ", TCP only" : "");
    }

    /** The servers asked, in order. */
    public List<InetSocketAddress> servers() {
        return servers;
    }

    /** Names in the cache (0 without a cache), for diagnostics. */
    public int cacheSize() {
        return (cache == null ? 0 : cache.getSize()) + secure.cacheSize();
    }

    /** Who vouches for TLSA answers. */
    public DnssecMode dnssec() {
        return dnssec;
    }

    /** The configured servers, each with a prompt timeout, tried in turn. */
    private ExtendedResolver serversOf(DnsSettings settings) {
        List<org.xbill.DNS.Resolver> simple = new ArrayList<>();
        for (InetSocketAddress server : servers) {
            SimpleResolver r = new SimpleResolver(server);
            r.setTCP(settings.tcp());
            simple.add(new PromptTimeoutResolver(r, settings.timeout(), deadlines));
        }
        int tries = settings.retries() + 1;
        long perTry = settings.timeout().toMillis();
        long allTries = perTry * tries * servers.size();
        ExtendedResolver extended = new ExtendedResolver(simple);
        extended.setRetries(tries);
        // ExtendedResolver stops trying once this has passed; half a try of slack lets the last try run
        extended.setTimeout(Duration.ofMillis(allTries + perTry / 2));
        return extended;
    }

    /**
     * What TLSA (and, with DNSSEC on, MX) questions go to: the servers themselves, or (validate)
     * dnsjava's validator over servers of its own, since it turns DO on for every question of the
     * resolver under it.
     */
    private org.xbill.DNS.Resolver secureUpstream(DnsSettings settings, ExtendedResolver extended) {
        if (settings.dnssec() != DnssecMode.VALIDATE) {
            return extended;
        }
        Path file = settings.trustAnchorFile().orElseThrow();
        ValidatingResolver validator = new ValidatingResolver(serversOf(settings));
        try (InputStream in = Files.newInputStream(file)) {
            validator.loadTrustAnchors(in);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read trust_anchor_file " + file + ": " + e.getMessage(), e);
        }
        if (validator.getTrustAnchors().items().isEmpty()) {
            throw new IllegalArgumentException("trust_anchor_file " + file + " holds no DS or DNSKEY record");
        }
        return validator;
    }

    private void logDnssec(DnsSettings settings) {
        switch (settings.dnssec()) {
            case OFF -> LOG.info("DNSSEC off: TLSA answers are never authentic, DANE is not applied");
            case TRUST_AD -> {
                LOG.info("DNSSEC trust_ad: a TLSA answer is authentic when {} set the AD bit", servers);
                if (servers.stream().anyMatch(s -> !s.getAddress().isLoopbackAddress())) {
                    LOG.warn("dnssec = trust_ad with a DNS server not on this machine: the AD bit can be forged on "
                            + "the way; run a validating resolver (unbound) on 127.0.0.1 and list only it in servers");
                }
            }
            case VALIDATE ->
                LOG.info(
                        "DNSSEC validate: TLSA answers validated here from the trust anchors in {}",
                        settings.trustAnchorFile().orElseThrow());
        }
    }

    @Override
    public CompletionStage<List<MxRecord>> mx(String domain) {
        return lookup(domain, Type.MX, StubResolver::sortedMx);
    }

    private static List<MxRecord> sortedMx(List<Record> records) {
        List<MxRecord> mx = new ArrayList<>(records.size());
        for (Record r : records) {
            MXRecord m = (MXRecord) r;
            mx.add(new MxRecord(m.getPriority(), hostName(m.getTarget())));
        }
        // shuffle first, then a stable sort: equal preferences end up in random order (RFC 5321 §5.1)
        Collections.shuffle(mx, ThreadLocalRandom.current());
        mx.sort(Comparator.comparingInt(MxRecord::preference));
        return List.copyOf(mx);
    }

    @Override
    public CompletionStage<List<InetAddress>> a(String host) {
        return lookup(
                host,
                Type.A,
                records -> records.stream().map(r -> ((ARecord) r).getAddress()).toList());
    }

    @Override
    public CompletionStage<List<InetAddress>> aaaa(String host) {
        return lookup(
                host,
                Type.AAAA,
                records ->
                        records.stream().map(r -> ((AAAARecord) r).getAddress()).toList());
    }

    @Override
    public CompletionStage<List<InetAddress>> addresses(String host) {
        CompletableFuture<Outcome> v6 = aaaa(host).toCompletableFuture().handle(Outcome::new);
        CompletableFuture<Outcome> v4 = a(host).toCompletableFuture().handle(Outcome::new);
        CompletableFuture<List<InetAddress>> result = new CompletableFuture<>();
        v6.thenAcceptBoth(v4, (six, four) -> {
            if (six.failed() && four.failed()) {
                result.completeExceptionally(bothFailed(six.error(), four.error()));
                return;
            }
            List<InetAddress> all = new ArrayList<>();
            if (!six.failed()) {
                all.addAll(six.value());
            }
            if (!four.failed()) {
                all.addAll(four.value());
            }
            result.complete(List.copyOf(all));
        });
        return result;
    }

    @Override
    public CompletionStage<List<String>> txt(String name) {
        return lookup(
                name,
                Type.TXT,
                records -> records.stream()
                        .map(r -> {
                            StringBuilder joined = new StringBuilder();
                            for (byte[] part : ((TXTRecord) r).getStringsAsByteArrays()) {
                                joined.append(new String(part, StandardCharsets.UTF_8));
                            }
                            return joined.toString();
                        })
                        .toList());
    }

    @Override
    public CompletionStage<List<String>> ptr(InetAddress address) {
        Name reverse = ReverseMap.fromAddress(address);
        return lookup(
                reverse,
                Type.PTR,
                records -> records.stream()
                        .map(r -> hostName(((PTRRecord) r).getTarget()))
                        .toList());
    }

    @Override
    public CompletionStage<TlsaAnswer> tlsa(String name) {
        Name qname;
        try {
            qname = toName(name);
        } catch (TextParseException | IllegalArgumentException e) {
            counters.query("tlsa");
            counters.error(Reason.NO_SUCH_DOMAIN);
            return CompletableFuture.failedFuture(
                    new DnsException(Reason.NO_SUCH_DOMAIN, "invalid domain name '" + name + "': " + e.getMessage()));
        }
        return secure.tlsa(qname);
    }

    /**
     * With {@code dnssec} off: {@link #mx} as never authentic (no other question is asked). Otherwise
     * the MX question goes the way TLSA questions go (AD bit, or the local validator), so that the
     * records and their verdict come from one answer.
     */
    @Override
    public CompletionStage<MxAnswer> mxAnswer(String domain) {
        if (dnssec == DnssecMode.OFF) {
            return mx(domain).thenApply(records -> new MxAnswer(records, false));
        }
        Name qname;
        try {
            qname = toName(domain);
        } catch (TextParseException | IllegalArgumentException e) {
            counters.query(Type.string(Type.MX));
            counters.error(Reason.NO_SUCH_DOMAIN);
            return CompletableFuture.failedFuture(
                    new DnsException(Reason.NO_SUCH_DOMAIN, "invalid domain name '" + domain + "': " + e.getMessage()));
        }
        return secure.mx(qname).thenApply(answer -> new MxAnswer(sortedMx(answer.records()), answer.authentic()));
    }

    /** Stops the pool once running lookups are done; stages still open complete inline. */
    @Override
    public void close() {
        executor.shutdown();
    }

    private <T> CompletionStage<List<T>> lookup(String name, int type, Function<List<Record>, List<T>> convert) {
        Name qname;
        try {
            qname = toName(name);
        } catch (TextParseException | IllegalArgumentException e) {
            counters.query(Type.string(type));
            counters.error(Reason.NO_SUCH_DOMAIN);
            return CompletableFuture.failedFuture(
                    new DnsException(Reason.NO_SUCH_DOMAIN, "invalid domain name '" + name + "': " + e.getMessage()));
        }
        return lookup(qname, type, convert);
    }

    private <T> CompletionStage<List<T>> lookup(Name qname, int type, Function<List<Record>, List<T>> convert) {
        CompletableFuture<List<T>> result = new CompletableFuture<>();
        counters.query(Type.string(type));
        CompletableFuture<List<Record>> answer;
        try {
            answer = session.lookupAsync(qname, type)
                    .toCompletableFuture()
                    .thenApply(r -> r.getRecords().stream()
                            .filter(rec -> rec.getType() == type)
                            .toList());
        } catch (RuntimeException e) { // dnsjava may throw rather than fail the stage
            answer = CompletableFuture.failedFuture(e);
        }
        deadlines.within(answer, Duration.ofMillis(deadlineMillis)).whenComplete((records, error) -> {
            if (error == null) {
                try {
                    result.complete(convert.apply(records));
                } catch (RuntimeException e) {
                    counters.error(Reason.SERVER_FAILURE);
                    result.completeExceptionally(new DnsException(
                            Reason.SERVER_FAILURE, Type.string(type) + " " + qname + ": malformed answer: " + e));
                }
                return;
            }
            DnsException failure = translate(error, qname, type);
            if (failure == null) {
                result.complete(List.of()); // NODATA
            } else {
                LOG.debug("{} {}: {}", Type.string(type), qname, failure.getMessage());
                counters.error(failure.reason());
                result.completeExceptionally(failure);
            }
        });
        return result;
    }

    /** The api's failure for a dnsjava failure; null for NODATA, which is an empty answer. */
    static DnsException translate(Throwable error, Name qname, int type) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String what = Type.string(type) + " " + qname;
        if (cause instanceof NoSuchRRSetException) {
            return null;
        }
        if (cause instanceof NoSuchDomainException) {
            return new DnsException(Reason.NO_SUCH_DOMAIN, what + ": no such domain (NXDOMAIN)");
        }
        if (cause instanceof TimeoutException || cause instanceof SocketTimeoutException) {
            return new DnsException(Reason.TIMEOUT, what + ": no answer in time");
        }
        if (cause instanceof WireParseException) {
            return new DnsException(Reason.SERVER_FAILURE, what + ": malformed answer: " + cause.getMessage());
        }
        if (cause instanceof IOException) {
            // ExtendedResolver's "Timed out while trying to resolve", ICMP unreachable, a closed TCP
            // connection: in every case no answer came
            return new DnsException(Reason.TIMEOUT, what + ": no answer: " + cause.getMessage());
        }
        if (cause instanceof LookupFailedException) {
            // ServerFailedException (SERVFAIL), REFUSED and other rcodes, CNAME loops, bad zone data
            return new DnsException(Reason.SERVER_FAILURE, what + ": " + cause.getMessage());
        }
        return new DnsException(Reason.SERVER_FAILURE, what + ": " + cause);
    }

    /** Both the A and the AAAA question failed: NXDOMAIN only if both said so, else the temporary failure. */
    private static DnsException bothFailed(Throwable six, Throwable four) {
        DnsException e6 = asDnsException(six);
        DnsException e4 = asDnsException(four);
        if (e6.reason() == Reason.NO_SUCH_DOMAIN && e4.reason() == Reason.NO_SUCH_DOMAIN) {
            return e4;
        }
        return e4.isTemporary() ? e4 : e6;
    }

    private static DnsException asDnsException(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return cause instanceof DnsException
                ? (DnsException) cause
                : new DnsException(Reason.SERVER_FAILURE, String.valueOf(cause));
    }

    /** An absolute DNS name; IDNs go to their A-label (ASCII) form. */
    static Name toName(String name) throws TextParseException {
        String n = name.trim();
        if (n.isEmpty() || ".".equals(n)) {
            throw new TextParseException("empty name");
        }
        if (!n.endsWith(".")) {
            n = n + ".";
        }
        try {
            return Name.fromString(DomainName.toAscii(n));
        } catch (IllegalArgumentException e) {
            throw new TextParseException(e.getMessage());
        }
    }

    /** A host name as the api gives it: no trailing dot; the root (null MX) is "". */
    static String hostName(Name name) {
        String s = name.toString(true);
        return ".".equals(s) ? "" : s;
    }

    private record Outcome(List<InetAddress> value, Throwable error) {
        boolean failed() {
            return error != null;
        }
    }
}
