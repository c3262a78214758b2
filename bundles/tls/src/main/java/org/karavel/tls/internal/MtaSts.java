package org.karavel.tls.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.karavel.api.dns.Resolver;
import org.karavel.api.tls.TlsFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MTA-STS (RFC 8461) for destination domains: the {@code _mta-sts} TXT record through the api
 * Resolver, the policy fetched over verified HTTPS when its id is new, and a cache per domain that
 * holds a policy until its max_age runs out, even when a later fetch fails or the TXT record goes.
 */
final class MtaSts {
    private static final Logger LOG = LoggerFactory.getLogger(MtaSts.class);

    /** The policy known for a domain: {@code policy} null when there is none; {@code failure} when one was announced but not got. */
    record Lookup(StsPolicy policy, String id, TlsFailure failure, String detail) {
        static final Lookup NONE = new Lookup(null, "", null, "");
    }

    /** Fetches the policy body of a domain; blocking, run on the fetch executor. */
    interface PolicyFetch {
        String fetch(String domain) throws IOException, StsPolicy.Invalid;
    }

    /** A fetch refused for a reason TLS-RPT names. */
    static final class FetchFailure extends IOException {
        private static final long serialVersionUID = 1L;
        final TlsFailure failure;

        FetchFailure(TlsFailure failure, String message, Throwable cause) {
            super(message, cause);
            this.failure = failure;
        }
    }

    private record Cached(StsPolicy policy, String id, Instant fetched, Instant expires) {}

    private final Resolver resolver;
    private final PolicyFetch fetch;
    private final Executor executor;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Lookup>> fetching = new ConcurrentHashMap<>();
    // a failed fetch is not tried again for the same id for a while, so a broken host is not hammered
    private final Map<String, Failed> failures = new ConcurrentHashMap<>();

    private record Failed(String id, Instant until, Lookup lookup) {}

    /** How long a failed fetch is remembered when no policy is cached. */
    static final Duration RETRY_AFTER = Duration.ofMinutes(5);

    MtaSts(Resolver resolver, PolicyFetch fetch, Executor executor, Clock clock) {
        this.resolver = resolver;
        this.fetch = fetch;
        this.executor = executor;
        this.clock = clock;
    }

    /** The policy in force for a domain; never fails. */
    CompletionStage<Lookup> policy(String domain) {
        String key = domain.toLowerCase(Locale.ROOT);
        return txtId(key).thenCompose(id -> decide(key, id, false));
    }

    /**
     * Re-checks every cached domain (RFC 8461 §5.1 proactive refresh): a new id, or a policy past half
     * its max_age, is fetched again, so that senders rarely wait for a fetch; expired policies go.
     */
    CompletionStage<Void> refresh() {
        Instant now = clock.instant();
        cache.entrySet().removeIf(e -> !e.getValue().expires().isAfter(now));
        CompletableFuture<?>[] all = cache.keySet().stream()
                .map(domain -> txtId(domain)
                        .thenCompose(id -> decide(domain, id, true))
                        .toCompletableFuture())
                .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(all);
    }

    /** How many domains have a cached policy (for metrics). */
    int cachedDomains() {
        return cache.size();
    }

    private CompletionStage<Lookup> decide(String domain, String id, boolean refreshing) {
        Instant now = clock.instant();
        Cached cached = cache.get(domain);
        if (cached != null && !cached.expires().isAfter(now)) {
            cache.remove(domain, cached);
            cached = null;
        }
        if (id.isEmpty()) {
            // no (valid) record: a cached policy stays in force until it expires (§5.1)
            return CompletableFuture.completedFuture(cached == null ? Lookup.NONE : lookup(cached));
        }
        boolean stale = cached != null
                && refreshing
                && cached.fetched().plus(cached.policy().maxAge().dividedBy(2)).isBefore(now);
        if (cached != null && cached.id().equals(id) && !stale) {
            return CompletableFuture.completedFuture(lookup(cached));
        }
        Failed failed = failures.get(domain);
        if (cached == null
                && !refreshing
                && failed != null
                && failed.id().equals(id)
                && failed.until().isAfter(now)) {
            return CompletableFuture.completedFuture(failed.lookup());
        }
        Cached previous = cached;
        CompletableFuture<Lookup> mine = new CompletableFuture<>();
        CompletableFuture<Lookup> running = fetching.putIfAbsent(domain, mine);
        if (running != null) {
            return running;
        }
        fetchNow(domain, id, previous).whenComplete((lookup, e) -> {
            fetching.remove(domain, mine);
            if (e != null) {
                mine.completeExceptionally(e);
            } else {
                mine.complete(lookup);
            }
        });
        return mine;
    }

    private CompletableFuture<Lookup> fetchNow(String domain, String id, Cached previous) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        StsPolicy policy = StsPolicy.parse(fetch.fetch(domain));
                        Instant now = clock.instant();
                        Cached fresh = new Cached(policy, id, now, now.plus(policy.maxAge()));
                        cache.put(domain, fresh);
                        failures.remove(domain);
                        LOG.info(
                                "MTA-STS policy of {} fetched: id={} mode={} max_age={} mx={}",
                                domain,
                                id,
                                policy.mode(),
                                policy.maxAge().toSeconds(),
                                policy.mxPatterns());
                        return lookup(fresh);
                    } catch (StsPolicy.Invalid e) {
                        return failed(domain, id, previous, TlsFailure.STS_POLICY_INVALID, e.getMessage());
                    } catch (FetchFailure e) {
                        return failed(domain, id, previous, e.failure, e.getMessage());
                    } catch (IOException | RuntimeException e) {
                        return failed(domain, id, previous, TlsFailure.STS_POLICY_FETCH_ERROR, e.toString());
                    }
                },
                executor);
    }

    private Lookup failed(String domain, String id, Cached previous, TlsFailure failure, String detail) {
        if (previous != null) {
            LOG.warn(
                    "MTA-STS policy of {} not refreshed ({}: {}); the cached policy {} stays until {}",
                    domain,
                    failure.resultType(),
                    detail,
                    previous.id(),
                    previous.expires());
            return lookup(previous);
        }
        LOG.warn("MTA-STS policy of {} (id {}) unusable: {}: {}", domain, id, failure.resultType(), detail);
        Lookup lookup = new Lookup(null, id, failure, detail);
        failures.put(domain, new Failed(id, clock.instant().plus(RETRY_AFTER), lookup));
        return lookup;
    }

    private static Lookup lookup(Cached cached) {
        return new Lookup(cached.policy(), cached.id(), null, "");
    }

    /** The id of the one {@code v=STSv1} TXT record of {@code _mta-sts.<domain>}, or "" (none, several, invalid, DNS failure). */
    private CompletionStage<String> txtId(String domain) {
        return resolver.txt("_mta-sts." + domain).thenApply(MtaSts::stsId).exceptionally(e -> "");
    }

    /** RFC 8461 §3.1: records not starting with {@code v=STSv1;} are discarded; exactly one must remain. */
    static String stsId(List<String> records) {
        List<String> sts = records.stream()
                .filter(r -> r.startsWith("v=STSv1;") || r.equals("v=STSv1"))
                .toList();
        if (sts.size() != 1) {
            return "";
        }
        String id = "";
        for (String field : sts.get(0).split(";")) {
            String f = field.strip();
            int eq = f.indexOf('=');
            if (eq > 0 && f.substring(0, eq).strip().equals("id")) {
                id = f.substring(eq + 1).strip();
            }
        }
        return id.matches("[A-Za-z0-9]{1,32}") ? id : "";
    }

    /**
     * The real fetch: {@code mta-sts.<domain>} resolved through the api Resolver, then GET
     * {@code /.well-known/mta-sts.txt} over HTTPS verified for that name; 200 with text/plain only,
     * no redirects. {@code timeout} bounds the whole fetch (lookup and every address tried), not
     * each step.
     */
    static PolicyFetch overHttps(Resolver resolver, HttpsRequest https, int port, Duration timeout) {
        return domain -> {
            long deadline = System.nanoTime() + timeout.toNanos();
            String host = "mta-sts." + domain;
            List<InetAddress> addresses;
            try {
                addresses =
                        resolver.addresses(host).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | CompletionException e) {
                throw new IOException(
                        "cannot resolve " + host + ": " + e.getCause().getMessage());
            } catch (TimeoutException e) {
                throw new IOException("cannot resolve " + host + ": timeout");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            if (addresses.isEmpty()) {
                throw new IOException(host + " has no address");
            }
            IOException last = null;
            for (InetAddress address : addresses) {
                if (deadline - System.nanoTime() <= 0) {
                    throw new SocketTimeoutException(
                            "MTA-STS policy fetch from " + host + " not done within " + timeout.toSeconds() + " s");
                }
                HttpsRequest.Response response;
                try {
                    response = https.get(address, port, host, "/.well-known/mta-sts.txt", deadline);
                } catch (SSLException e) {
                    throw new FetchFailure(TlsFailure.STS_WEBPKI_INVALID, host + ": " + e.getMessage(), e);
                } catch (IOException e) {
                    if (e.getCause() instanceof CertificateException) {
                        throw new FetchFailure(TlsFailure.STS_WEBPKI_INVALID, host + ": " + e.getMessage(), e);
                    }
                    last = e;
                    continue;
                }
                if (response.status() != 200) {
                    throw new IOException(
                            "HTTP " + response.status() + " from " + host + " (redirects are not followed)");
                }
                String type = response.header("content-type").toLowerCase(Locale.ROOT);
                if (!type.startsWith("text/plain")) {
                    throw new StsPolicy.Invalid("media type '" + type + "', not text/plain");
                }
                return new String(response.body(), StandardCharsets.UTF_8);
            }
            throw last;
        };
    }
}
