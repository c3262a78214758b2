package org.karavel.dns.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.DnsException.Reason;
import org.karavel.api.dns.TlsaAnswer;
import org.karavel.api.dns.TlsaRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * Questions whose DNSSEC verdict matters, for DANE: TLSA, and MX (DANE applies only to MX hosts
 * of a validated MX answer). They bypass dnsjava's LookupSession because its cache and its result
 * do not keep the AD bit, which is the whole point here: each question is one message to the
 * servers (or to the local validator), and the answer is cached here with its DNSSEC verdict.
 */
final class SecureLookup {
    private static final Logger LOG = LoggerFactory.getLogger(SecureLookup.class);
    private static final int EDNS_PAYLOAD = 1232;
    private static final int MAX_CNAME_HOPS = 8;

    private final Resolver upstream;
    private final DnssecMode mode;
    private final Executor executor;
    private final boolean caching;
    private final long negativeTtlSeconds;
    private final long deadlineMillis;
    private final DnsCounters counters;
    private final LongSupplier nanoClock;
    private final Map<Key, Cached> cache;
    private final AtomicBoolean offWarned = new AtomicBoolean();

    /**
     * @param upstream the servers ({@link DnssecMode#OFF}, {@link DnssecMode#TRUST_AD}) or a
     *     {@link ValidatingResolver} over them ({@link DnssecMode#VALIDATE})
     */
    SecureLookup(
            Resolver upstream,
            DnssecMode mode,
            Executor executor,
            boolean caching,
            int maxEntries,
            long negativeTtlSeconds,
            long deadlineMillis,
            DnsCounters counters,
            LongSupplier nanoClock) {
        this.upstream = upstream;
        this.mode = mode;
        this.executor = executor;
        this.caching = caching;
        this.negativeTtlSeconds = negativeTtlSeconds;
        this.deadlineMillis = deadlineMillis;
        this.counters = counters;
        this.nanoClock = nanoClock;
        this.cache = new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Cached> eldest) {
                return size() > maxEntries;
            }
        };
    }

    int cacheSize() {
        synchronized (cache) {
            return cache.size();
        }
    }

    CompletionStage<TlsaAnswer> tlsa(Name qname) {
        counters.query("tlsa");
        if (mode == DnssecMode.OFF && offWarned.compareAndSet(false, true)) {
            LOG.warn("TLSA records asked for while dnssec = off: answers are never authentic, so DANE is not "
                    + "applied; set dnssec = trust_ad (with a validating resolver on this machine) or validate");
        }
        return ask(qname, Type.TLSA)
                .thenApply(secure -> new TlsaAnswer(
                        secure.records().stream()
                                .map(r -> (TLSARecord) r)
                                .map(t -> new TlsaRecord(
                                        t.getCertificateUsage(),
                                        t.getSelector(),
                                        t.getMatchingType(),
                                        t.getCertificateAssociationData()))
                                .toList(),
                        secure.authentic()));
    }

    /** The MX records of a name (unsorted) with their DNSSEC verdict; NXDOMAIN and failures as for TLSA. */
    CompletionStage<Secure> mx(Name qname) {
        counters.query(Type.string(Type.MX));
        return ask(qname, Type.MX);
    }

    private CompletionStage<Secure> ask(Name qname, int type) {
        Key key = new Key(qname, type);
        Cached hit = cached(key);
        if (hit != null) {
            if (hit.failure != null) {
                counters.error(hit.failure.reason());
                return CompletableFuture.failedFuture(hit.failure);
            }
            return CompletableFuture.completedFuture(hit.answer);
        }
        CompletableFuture<Message> sent;
        try {
            sent = upstream.sendAsync(query(qname, type), executor).toCompletableFuture();
        } catch (RuntimeException e) { // dnsjava may throw rather than fail the stage
            sent = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Secure> result = new CompletableFuture<>();
        sent.orTimeout(deadlineMillis, TimeUnit.MILLISECONDS).whenComplete((response, error) -> {
            DnsException failure;
            if (error == null) {
                try {
                    Outcome outcome = read(qname, type, response);
                    if (outcome.ttlSeconds > 0) {
                        remember(key, outcome);
                    }
                    if (outcome.failure == null) {
                        result.complete(outcome.answer);
                        return;
                    }
                    failure = outcome.failure;
                } catch (RuntimeException e) {
                    failure = new DnsException(
                            Reason.SERVER_FAILURE, Type.string(type) + " " + qname + ": malformed answer: " + e);
                }
            } else {
                failure = StubResolver.translate(error, qname, type);
                if (failure == null) { // cannot happen without LookupSession, but NODATA is an empty answer
                    result.complete(new Secure(List.of(), false));
                    return;
                }
            }
            LOG.debug("{}", failure.getMessage());
            counters.error(failure.reason());
            result.completeExceptionally(failure);
        });
        return result;
    }

    private Message query(Name qname, int type) {
        Message query = Message.newQuery(Record.newRecord(qname, type, DClass.IN));
        if (mode == DnssecMode.TRUST_AD) {
            // RFC 6840 §5.7: AD in a query asks for the AD bit in the answer; DO (RFC 3225) for good measure,
            // as some resolvers set AD only when the client shows it understands DNSSEC
            query.getHeader().setFlag(Flags.AD);
            query.addRecord(new OPTRecord(EDNS_PAYLOAD, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
        }
        return query;
    }

    /** The answer (or the failure) a response means, and how long it may be cached (0: not at all). */
    Outcome read(Name qname, int type, Message response) {
        int rcode = response.getRcode();
        boolean authentic = mode != DnssecMode.OFF && response.getHeader().getFlag(Flags.AD);
        String what = Type.string(type) + " " + qname;
        if (rcode == Rcode.NXDOMAIN) {
            return new Outcome(
                    null,
                    new DnsException(Reason.NO_SUCH_DOMAIN, what + ": no such domain (NXDOMAIN)"),
                    negativeTtl(response));
        }
        if (rcode != Rcode.NOERROR) {
            // SERVFAIL is also what a validating resolver answers for bogus data (and what ValidatingResolver makes of
            // it)
            return new Outcome(
                    null,
                    new DnsException(Reason.SERVER_FAILURE, what + ": " + Rcode.string(rcode) + why(response)),
                    0);
        }
        List<Record> records = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        Name current = qname;
        List<Record> answer = response.getSection(Section.ANSWER);
        for (int hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
            Name owner = current;
            Name next = null;
            for (Record r : answer) {
                if (!r.getName().equals(owner)) {
                    continue;
                }
                if (r.getType() == type) {
                    records.add(r);
                    ttl = Math.min(ttl, r.getTTL());
                } else if (r instanceof CNAMERecord c) {
                    next = c.getTarget();
                    ttl = Math.min(ttl, r.getTTL());
                }
            }
            if (!records.isEmpty() || next == null) {
                break;
            }
            current = next;
        }
        if (records.isEmpty()) {
            return new Outcome(new Secure(List.of(), authentic), null, negativeTtl(response));
        }
        return new Outcome(new Secure(records, authentic), null, ttl);
    }

    /** The SOA minimum of a negative answer, capped (RFC 2308 §5); 0 without an SOA. */
    private long negativeTtl(Message response) {
        for (Record r : response.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return Math.min(Math.min(soa.getMinimum(), soa.getTTL()), negativeTtlSeconds);
            }
        }
        return 0;
    }

    /** The reason a resolver gave for a failure: the extended DNS error (RFC 8914) or ValidatingResolver's note. */
    private static String why(Message response) {
        StringBuilder why = new StringBuilder();
        OPTRecord opt = response.getOPT();
        if (opt != null) {
            for (EDNSOption o : opt.getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR)) {
                if (o instanceof ExtendedErrorCodeOption ede) {
                    why.append(" (extended error ").append(ede.getErrorCode());
                    if (ede.getText() != null && !ede.getText().isEmpty()) {
                        why.append(": ").append(ede.getText());
                    }
                    why.append(')');
                }
            }
        }
        for (Record r : response.getSection(Section.ADDITIONAL)) {
            if (r instanceof TXTRecord txt
                    && r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS
                    && why.indexOf("extended error") < 0) {
                why.append(" (").append(String.join("", txt.getStrings())).append(')');
            }
        }
        return why.toString();
    }

    private Cached cached(Key key) {
        if (!caching) {
            return null;
        }
        synchronized (cache) {
            Cached c = cache.get(key);
            if (c == null) {
                return null;
            }
            if (nanoClock.getAsLong() - c.expiresAtNanos >= 0) {
                cache.remove(key);
                return null;
            }
            return c;
        }
    }

    private void remember(Key key, Outcome outcome) {
        if (!caching) {
            return;
        }
        long expires = nanoClock.getAsLong() + TimeUnit.SECONDS.toNanos(Math.min(outcome.ttlSeconds, 7 * 86400L));
        synchronized (cache) {
            cache.put(key, new Cached(expires, outcome.answer, outcome.failure));
        }
    }

    /** The records of the type asked (CNAMEs followed) and whether DNSSEC vouched for them. */
    record Secure(List<Record> records, boolean authentic) {
        Secure {
            records = List.copyOf(records);
        }
    }

    record Outcome(Secure answer, DnsException failure, long ttlSeconds) {}

    private record Key(Name name, int type) {}

    private record Cached(long expiresAtNanos, Secure answer, DnsException failure) {}
}
