package org.karavel.dnsbl.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.karavel.api.address.DomainName;
import org.karavel.api.address.MailAddress;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.Resolver;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.SmtpFilter;
import org.karavel.api.filter.Verdict;
import org.karavel.api.net.CidrBlock;
import org.karavel.dnsbl.internal.DnsblSettings.Action;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dnsbl filter: starts the ZEN lookup of the client at connect and the DBL lookups at MAIL FROM,
 * keeps the pending stages in the session attributes and decides at RCPT TO (reject) or at end of
 * message (header). It never blocks and never rejects on an error answer or a failed lookup.
 */
final class DnsblFilter implements SmtpFilter {
    // The keys name this copy of the class: after the bundle is updated, sessions opened before still
    // hold stages of the old Lookup class, which the new code must not cast to its own (it would fail
    // every RCPT of those sessions); it ignores them and looks the client up again instead.
    private static final String LOADED = "@" + Integer.toHexString(System.identityHashCode(DnsblFilter.class));
    static final String ZEN = "dnsbl.zen" + LOADED;
    static final String DBL = "dnsbl.dbl" + LOADED;
    static final String HELO = "dnsbl.helo" + LOADED;
    static final String HEADER = "X-Karavel-DNSBL";

    private static final Logger LOG = LoggerFactory.getLogger(DnsblFilter.class);
    private static final long NEVER = Long.MIN_VALUE;
    private static final int MAX_REASON = 200;

    private final DnsblSettings settings;
    private final Resolver resolver;
    private final DnsblCounters counters;
    private final LongSupplier nanoClock;
    private final AtomicLong lastErrorWarning = new AtomicLong(NEVER);

    DnsblFilter(DnsblSettings settings, Resolver resolver, DnsblCounters counters, LongSupplier nanoClock) {
        this.settings = settings;
        this.resolver = resolver;
        this.counters = counters;
        this.nanoClock = nanoClock;
    }

    DnsblFilter(DnsblSettings settings, Resolver resolver, DnsblCounters counters) {
        this(settings, resolver, counters, System::nanoTime);
    }

    DnsblSettings settings() {
        return settings;
    }

    @Override
    public CompletionStage<Verdict> connect(SessionView session) {
        InetAddress ip = clientIp(session);
        if (settings.enabled() && exemptSession(session)) {
            counters.exempt.increment();
        } else if (settings.enabled() && ip != null) {
            startClientLookup(session, ip);
        }
        return Verdict.noOpinion().stage();
    }

    private void startClientLookup(SessionView session, InetAddress ip) {
        String name = reversed(ip) + "." + settings.zenQueryZone();
        session.attributes()
                .put(
                        ZEN,
                        lookup(
                                name,
                                settings.zenName(),
                                ip.getHostAddress(),
                                settings.zenCodes(),
                                false,
                                settings.zenAction() == Action.REJECT));
    }

    @Override
    public CompletionStage<Verdict> mailFrom(SessionView session, EnvelopeView envelope, MailAddress sender) {
        Map<String, Object> attributes = session.attributes();
        // a new transaction (after RSET) must not keep the previous sender's answer
        attributes.remove(DBL);
        attributes.remove(HELO);
        if (!settings.enabled() || exemptSession(session)) {
            return Verdict.noOpinion().stage();
        }
        InetAddress ip = clientIp(session);
        if (ip != null && !attributes.containsKey(ZEN)) {
            // the session began before this filter did (installed or updated since): look it up now
            startClientLookup(session, ip);
        }
        if (sender != null && !sender.isNullSender() && !sender.isAddressLiteral()) {
            domainLookup(sender.domain()).ifPresent(s -> attributes.put(DBL, s));
        }
        if (settings.checkHelo()) {
            session.heloName().flatMap(this::domainLookup).ifPresent(s -> attributes.put(HELO, s));
        }
        return Verdict.noOpinion().stage();
    }

    @Override
    public CompletionStage<Verdict> rcptTo(SessionView session, EnvelopeView envelope, MailAddress recipient) {
        // RFC 5321 4.5.1: postmaster must be reachable, also by a listed client
        if (!settings.enabled()
                || exemptSession(session)
                || (recipient != null && "postmaster".equalsIgnoreCase(recipient.localPart()))) {
            return Verdict.noOpinion().stage();
        }
        return answers(session).thenApply(answers -> {
            for (Lookup l : answers) {
                if (l.listed() && action(l) == Action.REJECT) {
                    return Verdict.reject(554, "5.7.1", rejectText(l));
                }
            }
            return Verdict.noOpinion();
        });
    }

    @Override
    public CompletionStage<Verdict> endOfMessage(SessionView session, EnvelopeView envelope, MessageView message) {
        if (!settings.enabled() || exemptSession(session)) {
            return Verdict.noOpinion().stage();
        }
        return answers(session).thenApply(answers -> {
            Verdict v = Verdict.noOpinion();
            for (Lookup l : answers) {
                if (l.listed() && action(l) == Action.HEADER) {
                    v = v.withHeader(HEADER, l.list() + "=" + l.code());
                }
            }
            return v;
        });
    }

    private Action action(Lookup l) {
        return l.client() ? settings.zenAction() : settings.dblAction();
    }

    private String rejectText(Lookup l) {
        if (l.client()) {
            return "Service unavailable; client [" + l.subject() + "] blocked using " + l.list()
                    + (l.reason() == null ? "" : "; " + l.reason());
        }
        return "Service unavailable; sender domain " + l.subject() + " blocked using " + l.list();
    }

    /** The answers stored for this session, in the order ZEN, DBL of the sender, DBL of the HELO name. */
    @SuppressWarnings("unchecked")
    private static CompletionStage<List<Lookup>> answers(SessionView session) {
        List<CompletableFuture<Lookup>> pending = new ArrayList<>();
        for (String key : new String[] {ZEN, DBL, HELO}) {
            Object o = session.attributes().get(key);
            if (o instanceof CompletionStage<?> stage) {
                pending.add(((CompletionStage<Lookup>) stage).toCompletableFuture());
            }
        }
        return CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
                .thenApply(done -> pending.stream().map(CompletableFuture::join).toList());
    }

    private boolean exemptSession(SessionView session) {
        if (session.authenticatedUser().filter(u -> !u.isEmpty()).isPresent()
                || Boolean.TRUE.equals(session.attributes().get(SessionView.RELAY_CLIENT))) {
            return true;
        }
        InetAddress ip = clientIp(session);
        return ip == null || exemptAddress(ip);
    }

    private boolean exemptAddress(InetAddress ip) {
        for (CidrBlock b : settings.passList()) {
            if (b.contains(ip)) {
                return true;
            }
        }
        return false;
    }

    private static InetAddress clientIp(SessionView session) {
        InetSocketAddress a = session.clientAddress();
        return a == null ? null : a.getAddress();
    }

    private Optional<CompletionStage<Lookup>> domainLookup(String domain) {
        String d = asciiDomain(domain);
        if (d == null) {
            return Optional.empty();
        }
        return Optional.of(
                lookup(d + "." + settings.dblQueryZone(), settings.dblName(), d, settings.dblCodes(), true, false));
    }

    /** Whether one of this server's own addresses is on the ZEN list (status checks); never fails. */
    CompletionStage<Lookup> ownAddress(InetAddress ip) {
        return lookup(
                reversed(ip) + "." + settings.zenQueryZone(),
                settings.zenName(),
                ip.getHostAddress(),
                settings.zenCodes(),
                false,
                true);
    }

    /** Whether one of this server's own domains is on the DBL (status checks); empty for a name DNS cannot hold. */
    Optional<CompletionStage<Lookup>> ownDomain(String domain) {
        String d = asciiDomain(domain);
        if (d == null) {
            return Optional.empty();
        }
        return Optional.of(
                lookup(d + "." + settings.dblQueryZone(), settings.dblName(), d, settings.dblCodes(), true, true));
    }

    /** The domain in lower-case ASCII, or null if it cannot be a DNS name (literal, bad IDN). */
    static String asciiDomain(String domain) {
        if (domain == null || domain.isEmpty() || domain.startsWith("[")) {
            return null;
        }
        try {
            String d = DomainName.toAscii(domain);
            while (d.endsWith(".")) {
                d = d.substring(0, d.length() - 1);
            }
            return d.matches("[a-z0-9_-]+(\\.[a-z0-9_-]+)+") ? d : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The DNSBL form of an address: IPv4 octets or IPv6 nibbles, reversed and dotted. */
    static String reversed(InetAddress ip) {
        byte[] b = ip.getAddress();
        StringBuilder s = new StringBuilder();
        if (ip instanceof Inet4Address) {
            for (int i = b.length - 1; i >= 0; i--) {
                s.append(b[i] & 0xff).append(i == 0 ? "" : ".");
            }
            return s.toString();
        }
        for (int i = b.length - 1; i >= 0; i--) {
            s.append(Character.forDigit(b[i] & 0xf, 16))
                    .append('.')
                    .append(Character.forDigit((b[i] >> 4) & 0xf, 16))
                    .append(i == 0 ? "" : ".");
        }
        return s.toString();
    }

    /** Starts one lookup; the stage never fails, a failure is a {@link Lookup.Kind#FAILED} outcome. */
    private CompletionStage<Lookup> lookup(
            String name, String list, String subject, CodeRanges codes, boolean dbl, boolean wantReason) {
        counters.lookup(list);
        CompletionStage<List<InetAddress>> answer;
        try {
            answer = resolver.a(name);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.thenCompose(addresses -> {
                    for (InetAddress a : addresses) {
                        if (isErrorCode(a, dbl)) {
                            counters.error(list);
                            warnError(list, a);
                            return done(new Lookup(Lookup.Kind.ERROR, !dbl, list, subject, null, null));
                        }
                    }
                    for (InetAddress a : addresses) {
                        if (codes.contains(a)) {
                            counters.listed(list);
                            String code = a.getHostAddress();
                            LOG.debug("dnsbl: {} listed in {} ({})", subject, list, code);
                            if (!wantReason) {
                                return done(new Lookup(Lookup.Kind.LISTED, !dbl, list, subject, code, null));
                            }
                            return reason(name)
                                    .thenApply(r -> new Lookup(Lookup.Kind.LISTED, !dbl, list, subject, code, r));
                        }
                    }
                    return done(new Lookup(Lookup.Kind.NOT_LISTED, !dbl, list, subject, null, null));
                })
                .exceptionally(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof DnsException d && d.reason() == DnsException.Reason.NO_SUCH_DOMAIN) {
                        return new Lookup(Lookup.Kind.NOT_LISTED, !dbl, list, subject, null, null);
                    }
                    counters.failure(list);
                    LOG.debug("dnsbl: no answer for {} in {}, passing: {}", subject, list, cause.toString());
                    return new Lookup(Lookup.Kind.FAILED, !dbl, list, subject, null, null);
                });
    }

    private static CompletionStage<Lookup> done(Lookup l) {
        return CompletableFuture.completedFuture(l);
    }

    /** The TXT text of a listing, made safe for an SMTP reply; null if there is none. */
    private CompletionStage<String> reason(String name) {
        CompletionStage<List<String>> txt;
        try {
            txt = resolver.txt(name);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(null);
        }
        return txt.handle((texts, e) -> {
            if (e != null || texts == null || texts.isEmpty()) {
                return null;
            }
            // the list's text goes into our reply: printable ASCII only, one line, bounded
            String t = texts.get(0)
                    .replaceAll("[^ -~]", " ")
                    .replaceAll("\\s+", " ")
                    .trim();
            if (t.length() > MAX_REASON) {
                t = t.substring(0, MAX_REASON);
            }
            return t.isEmpty() ? null : t;
        });
    }

    private static boolean isErrorCode(InetAddress a, boolean dbl) {
        if (!(a instanceof Inet4Address)) {
            return false;
        }
        long v = CodeRanges.value(a);
        return (v >>> 8) == 0x7fffffL || (dbl && v == 0x7f0001ffL);
    }

    private void warnError(String list, InetAddress code) {
        long now = nanoClock.getAsLong();
        long prev = lastErrorWarning.get();
        if ((prev == NEVER || now - prev >= settings.errorWarnInterval().toNanos())
                && lastErrorWarning.compareAndSet(prev, now)) {
            counters.errorWarnings.incrementAndGet();
            LOG.warn(
                    "dnsbl: {} answered {} (an error, not a listing: public or shared resolver, over quota or bad key?); "
                            + "passing mail unchecked. Next warning in {} at the earliest",
                    list,
                    code.getHostAddress(),
                    settings.errorWarnInterval());
        }
    }
}
