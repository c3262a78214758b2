package org.karavel.dkim.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.karavel.api.dns.Resolver;

/**
 * check_host() of RFC 7208, asynchronous over the api Resolver: every mechanism (all, include, a,
 * mx, ptr, ip4, ip6, exists), the redirect modifier (exp= is ignored: Karavel never sends the
 * explanation), macros, the limit of 10 DNS-querying terms and of 2 void lookups (both permerror).
 * Terms are evaluated in order, each waiting for the DNS answers of the one before.
 */
public final class SpfCheck {
    static final int MAX_DNS_TERMS = 10;
    static final int MAX_VOID_LOOKUPS = 2;
    static final int MAX_NAMES_PER_TERM = 10;

    private final Resolver resolver;

    public SpfCheck(Resolver resolver) {
        this.resolver = resolver;
    }

    /** The outcome and, when not a plain match, a short reason for the Authentication-Results comment. */
    public record Outcome(SpfResult result, String reason) {
        static Outcome of(SpfResult r) {
            return new Outcome(r, "");
        }
    }

    /**
     * Checks one identity.
     *
     * @param ip the client's address
     * @param domain the domain to check (the MAIL FROM domain, or the HELO name)
     * @param sender the sender address ({@code postmaster@helo} for the HELO identity)
     * @param helo the HELO/EHLO name, for the h macro
     */
    public CompletionStage<Outcome> check(InetAddress ip, String domain, String sender, String helo) {
        Evaluation e = new Evaluation(ip, sender, helo == null ? "" : helo);
        return e.checkHost(lower(domain), 0).exceptionally(t -> {
            Throwable c = Dns.cause(t);
            if (c instanceof Failure f) {
                return new Outcome(f.result, f.getMessage());
            }
            return new Outcome(SpfResult.TEMPERROR, "error: " + c.getClass().getSimpleName());
        });
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** A result that ends the evaluation at once (temperror, permerror). */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final SpfResult result;

        Failure(SpfResult result, String message) {
            super(message, null, false, false);
            this.result = result;
        }
    }

    /** A directive or modifier of a record. */
    record Term(char qualifier, String name, String argument, int cidr4, int cidr6) {
        boolean isModifier() {
            return qualifier == '=';
        }
    }

    /** Parses a record's terms after "v=spf1"; any syntax error is a permerror (§4.6). */
    static List<Term> parse(String record) {
        List<Term> terms = new ArrayList<>();
        String[] parts = record.substring(6).split(" ");
        boolean redirect = false;
        boolean exp = false;
        for (String t : parts) {
            if (t.isEmpty()) {
                continue;
            }
            if (t.matches("[A-Za-z][A-Za-z0-9._-]*=.*")) {
                int eq = t.indexOf('=');
                String name = lower(t.substring(0, eq));
                String value = t.substring(eq + 1);
                checkMacro(value);
                if (name.equals("redirect")) {
                    if (redirect || value.isEmpty()) {
                        throw new Failure(SpfResult.PERMERROR, "invalid redirect=");
                    }
                    redirect = true;
                } else if (name.equals("exp")) {
                    if (exp) {
                        throw new Failure(SpfResult.PERMERROR, "exp= given twice");
                    }
                    exp = true;
                }
                terms.add(new Term('=', name, value, -1, -1));
                continue;
            }
            char q = '+';
            String body = t;
            if ("+-~?".indexOf(t.charAt(0)) >= 0) {
                q = t.charAt(0);
                body = t.substring(1);
            }
            int sep = indexOfAny(body, ":/");
            String name = lower(sep < 0 ? body : body.substring(0, sep));
            String rest = sep < 0 ? "" : body.substring(sep);
            terms.add(
                    switch (name) {
                        case "all" -> {
                            requireEmpty(rest, t);
                            yield new Term(q, name, null, -1, -1);
                        }
                        case "include", "exists" -> {
                            if (!rest.startsWith(":") || rest.length() == 1) {
                                throw new Failure(SpfResult.PERMERROR, "missing domain in " + t);
                            }
                            checkMacro(rest.substring(1));
                            yield new Term(q, name, rest.substring(1), -1, -1);
                        }
                        case "ptr" -> {
                            String arg = null;
                            if (!rest.isEmpty()) {
                                if (!rest.startsWith(":") || rest.length() == 1) {
                                    throw new Failure(SpfResult.PERMERROR, "invalid " + t);
                                }
                                arg = rest.substring(1);
                                checkMacro(arg);
                            }
                            yield new Term(q, name, arg, -1, -1);
                        }
                        case "a", "mx" -> dualCidr(q, name, rest, t);
                        case "ip4", "ip6" -> ipTerm(q, name, rest, t);
                        default -> throw new Failure(SpfResult.PERMERROR, "unknown mechanism " + t);
                    });
        }
        return terms;
    }

    private static Term dualCidr(char q, String name, String rest, String whole) {
        String domain = null;
        String cidrs = rest;
        if (rest.startsWith(":")) {
            int slash = rest.indexOf('/');
            domain = slash < 0 ? rest.substring(1) : rest.substring(1, slash);
            cidrs = slash < 0 ? "" : rest.substring(slash);
            if (domain.isEmpty()) {
                throw new Failure(SpfResult.PERMERROR, "missing domain in " + whole);
            }
            checkMacro(domain);
        }
        int c4 = 32;
        int c6 = 128;
        if (!cidrs.isEmpty()) {
            Matcher m = Pattern.compile("(?:/(\\d{1,3}))?(?://(\\d{1,3}))?").matcher(cidrs);
            if (!m.matches()) {
                throw new Failure(SpfResult.PERMERROR, "invalid CIDR in " + whole);
            }
            if (m.group(1) != null) {
                c4 = cidr(m.group(1), 32, whole);
            }
            if (m.group(2) != null) {
                c6 = cidr(m.group(2), 128, whole);
            }
        }
        return new Term(q, name, domain, c4, c6);
    }

    private static Term ipTerm(char q, String name, String rest, String whole) {
        if (!rest.startsWith(":")) {
            throw new Failure(SpfResult.PERMERROR, "missing address in " + whole);
        }
        String value = rest.substring(1);
        int slash = value.indexOf('/');
        String addr = slash < 0 ? value : value.substring(0, slash);
        boolean v4 = name.equals("ip4");
        int bits = v4 ? 32 : 128;
        if (slash >= 0) {
            bits = cidr(value.substring(slash + 1), v4 ? 32 : 128, whole);
        }
        boolean ok = v4
                ? addr.matches("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}")
                : addr.contains(":") && addr.matches("[0-9A-Fa-f:.]+");
        if (!ok) {
            throw new Failure(SpfResult.PERMERROR, "invalid address in " + whole);
        }
        try {
            InetAddress.getByName(addr); // a literal only: the pattern above never lets a name through
        } catch (UnknownHostException e) {
            throw new Failure(SpfResult.PERMERROR, "invalid address in " + whole);
        }
        return new Term(q, name, addr, v4 ? bits : -1, v4 ? -1 : bits);
    }

    private static int cidr(String digits, int max, String whole) {
        if (!digits.matches("0|[1-9]\\d{0,2}") || Integer.parseInt(digits) > max) {
            throw new Failure(SpfResult.PERMERROR, "invalid CIDR length in " + whole);
        }
        return Integer.parseInt(digits);
    }

    private static void requireEmpty(String rest, String whole) {
        if (!rest.isEmpty()) {
            throw new Failure(SpfResult.PERMERROR, "invalid " + whole);
        }
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static void checkMacro(String s) {
        try {
            SpfMacro.check(s);
        } catch (SpfMacro.SyntaxException e) {
            throw new Failure(SpfResult.PERMERROR, e.getMessage());
        }
    }

    /** Whether the address lies in the network of the given prefix length; host bits in the network are ignored. */
    static boolean inNetwork(InetAddress ip, InetAddress network, int bits) {
        byte[] a = ip.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) {
            return false;
        }
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((a[i / 8] & mask) != (n[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a name is a usable multi-label domain (§4.3); anything else gives none. */
    static boolean isValidDomain(String d) {
        if (d.isEmpty() || d.length() > 253 || !d.contains(".") || d.startsWith(".")) {
            return false;
        }
        String t = d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
        for (String label : t.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                return false;
            }
        }
        return true;
    }

    /** One check_host() evaluation with its includes and redirects: the counters are shared. */
    private final class Evaluation {
        private final InetAddress ip;
        private final String sender;
        private final String helo;
        private final AtomicInteger dnsTerms = new AtomicInteger();
        private final AtomicInteger voidLookups = new AtomicInteger();
        private volatile CompletableFuture<String> validatedName;

        Evaluation(InetAddress ip, String sender, String helo) {
            this.ip = ip;
            this.sender = sender;
            this.helo = helo;
        }

        private boolean v4() {
            return ip instanceof Inet4Address;
        }

        CompletableFuture<Outcome> checkHost(String domain, int depth) {
            if (!isValidDomain(domain)) {
                return CompletableFuture.completedFuture(new Outcome(SpfResult.NONE, "no valid domain"));
            }
            return resolver.txt(domain)
                    .handle((txts, error) -> {
                        if (error != null) {
                            if (Dns.isNoSuchDomain(error)) {
                                return CompletableFuture.completedFuture(new Outcome(SpfResult.NONE, "no such domain"));
                            }
                            return CompletableFuture.<Outcome>failedFuture(
                                    new Failure(SpfResult.TEMPERROR, "DNS error for " + domain));
                        }
                        List<String> spf = txts.stream()
                                .filter(t -> t.regionMatches(true, 0, "v=spf1", 0, 6)
                                        && (t.length() == 6 || t.charAt(6) == ' '))
                                .toList();
                        if (spf.isEmpty()) {
                            return CompletableFuture.completedFuture(new Outcome(SpfResult.NONE, "no SPF record"));
                        }
                        if (spf.size() > 1) {
                            return CompletableFuture.completedFuture(
                                    new Outcome(SpfResult.PERMERROR, "more than one SPF record"));
                        }
                        List<Term> terms;
                        try {
                            terms = parse(spf.get(0));
                        } catch (Failure f) {
                            return CompletableFuture.completedFuture(new Outcome(f.result, f.getMessage()));
                        }
                        return evaluate(domain, terms, 0);
                    })
                    .thenCompose(Function.identity())
                    .toCompletableFuture();
        }

        private CompletableFuture<Outcome> evaluate(String domain, List<Term> terms, int index) {
            if (index == terms.size()) {
                Term redirect = terms.stream()
                        .filter(t -> t.isModifier() && t.name().equals("redirect"))
                        .findFirst()
                        .orElse(null);
                if (redirect == null) {
                    return CompletableFuture.completedFuture(Outcome.of(SpfResult.NEUTRAL));
                }
                countDnsTerm();
                return expandDomain(redirect.argument(), domain)
                        .thenCompose(target -> checkHost(target, 0))
                        .thenApply(o -> o.result() == SpfResult.NONE
                                ? new Outcome(SpfResult.PERMERROR, "redirect to a domain without SPF")
                                : o);
            }
            Term t = terms.get(index);
            if (t.isModifier()) {
                return evaluate(domain, terms, index + 1);
            }
            return matches(t, domain)
                    .thenCompose(match -> match
                            ? CompletableFuture.completedFuture(Outcome.of(qualified(t.qualifier())))
                            : evaluate(domain, terms, index + 1));
        }

        private SpfResult qualified(char q) {
            return switch (q) {
                case '-' -> SpfResult.FAIL;
                case '~' -> SpfResult.SOFTFAIL;
                case '?' -> SpfResult.NEUTRAL;
                default -> SpfResult.PASS;
            };
        }

        private void countDnsTerm() {
            if (dnsTerms.incrementAndGet() > MAX_DNS_TERMS) {
                throw new Failure(SpfResult.PERMERROR, "too many DNS lookups");
            }
        }

        private void countVoid() {
            if (voidLookups.incrementAndGet() > MAX_VOID_LOOKUPS) {
                throw new Failure(SpfResult.PERMERROR, "too many void lookups");
            }
        }

        private CompletableFuture<Boolean> matches(Term t, String domain) {
            try {
                switch (t.name()) {
                    case "all":
                        return CompletableFuture.completedFuture(true);
                    case "ip4":
                    case "ip6": {
                        InetAddress net = InetAddress.getByName(t.argument());
                        int bits = t.name().equals("ip4") ? t.cidr4() : t.cidr6();
                        // an IPv4-mapped ip6 network: Java hands it back as IPv4; shift its prefix accordingly
                        if (t.name().equals("ip6") && net.getAddress().length == 4) {
                            bits = Math.max(0, bits - 96);
                        }
                        return CompletableFuture.completedFuture(inNetwork(ip, net, bits));
                    }
                    default:
                        break;
                }
            } catch (UnknownHostException e) {
                throw new Failure(SpfResult.PERMERROR, "invalid address " + t.argument());
            }
            countDnsTerm();
            String spec = t.argument() == null ? domain : t.argument();
            return expandDomain(spec, domain).thenCompose(target -> switch (t.name()) {
                case "include" ->
                    checkHost(target, 0).thenApply(o -> switch (o.result()) {
                        case PASS -> true;
                        case FAIL, SOFTFAIL, NEUTRAL -> false;
                        case TEMPERROR -> throw new Failure(SpfResult.TEMPERROR, o.reason());
                        default ->
                            throw new Failure(
                                    SpfResult.PERMERROR,
                                    "include:" + target + " gave " + o.result().label());
                    });
                case "a" -> addresses(target, v4()).thenApply(list -> anyInNetwork(list, t));
                case "mx" -> mx(target, t);
                case "ptr" ->
                    validatedNames()
                            .thenApply(names ->
                                    names.stream().anyMatch(n -> n.equals(target) || n.endsWith("." + target)));
                case "exists" -> addresses(target, true).thenApply(list -> !list.isEmpty());
                default -> throw new Failure(SpfResult.PERMERROR, "unknown mechanism " + t.name());
            });
        }

        private boolean anyInNetwork(List<InetAddress> list, Term t) {
            return list.stream().anyMatch(a -> inNetwork(ip, a, a.getAddress().length == 4 ? t.cidr4() : t.cidr6()));
        }

        /** A or AAAA of a name; NXDOMAIN and empty answers count as void lookups, other errors are temperror. */
        private CompletableFuture<List<InetAddress>> addresses(String name, boolean ipv4) {
            CompletionStage<List<InetAddress>> q = ipv4 ? resolver.a(name) : resolver.aaaa(name);
            return q.handle((list, error) -> {
                        if (error != null && !Dns.isNoSuchDomain(error)) {
                            throw new Failure(SpfResult.TEMPERROR, "DNS error for " + name);
                        }
                        List<InetAddress> l = error == null ? list : List.<InetAddress>of();
                        if (l.isEmpty()) {
                            countVoid();
                        }
                        return l;
                    })
                    .toCompletableFuture();
        }

        private CompletableFuture<Boolean> mx(String target, Term t) {
            return resolver.mx(target)
                    .handle((list, error) -> {
                        if (error != null && !Dns.isNoSuchDomain(error)) {
                            throw new Failure(SpfResult.TEMPERROR, "DNS error for " + target);
                        }
                        List<org.karavel.api.dns.MxRecord> l = error == null ? list : List.of();
                        if (l.isEmpty()) {
                            countVoid();
                        }
                        if (l.size() > MAX_NAMES_PER_TERM) {
                            throw new Failure(SpfResult.PERMERROR, "more than 10 MX names");
                        }
                        return l;
                    })
                    .thenCompose(list -> {
                        List<CompletableFuture<List<InetAddress>>> lookups = list.stream()
                                .filter(m -> !m.isNullMx())
                                .map(m -> (v4() ? resolver.a(m.host()) : resolver.aaaa(m.host()))
                                        .toCompletableFuture()
                                        .exceptionally(e -> {
                                            if (Dns.isNoSuchDomain(e)) {
                                                return List.of();
                                            }
                                            throw new Failure(SpfResult.TEMPERROR, "DNS error for " + m.host());
                                        }))
                                .toList();
                        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
                                .thenApply(v -> lookups.stream().anyMatch(f -> anyInNetwork(f.join(), t)));
                    })
                    .toCompletableFuture();
        }

        /** The client's PTR names confirmed by a forward lookup (§5.5), at most 10 tried; errors give none. */
        private CompletableFuture<List<String>> validatedNames() {
            return resolver.ptr(ip)
                    .handle((names, error) -> error == null ? names : List.<String>of())
                    .thenCompose(names -> {
                        List<String> tried = names.stream()
                                .limit(MAX_NAMES_PER_TERM)
                                .map(SpfCheck::lower)
                                .toList();
                        List<CompletableFuture<Boolean>> checks = tried.stream()
                                .map(n -> (v4() ? resolver.a(n) : resolver.aaaa(n))
                                        .toCompletableFuture()
                                        .handle((list, e) -> e == null && list.contains(ip)))
                                .toList();
                        return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
                                .thenApply(v -> {
                                    List<String> ok = new ArrayList<>();
                                    for (int i = 0; i < tried.size(); i++) {
                                        if (checks.get(i).join()) {
                                            ok.add(
                                                    tried.get(i).endsWith(".")
                                                            ? tried.get(i)
                                                                    .substring(
                                                                            0,
                                                                            tried.get(i)
                                                                                            .length()
                                                                                    - 1)
                                                            : tried.get(i));
                                        }
                                    }
                                    return ok;
                                });
                    })
                    .toCompletableFuture();
        }

        private CompletableFuture<String> expandDomain(String spec, String domain) {
            CompletableFuture<String> p = CompletableFuture.completedFuture(null);
            if (SpfMacro.needsValidatedName(spec)) {
                if (validatedName == null) {
                    // the p macro: prefer a validated name in the domain, else any (§7.3)
                    validatedName = validatedNames()
                            .thenApply(names -> names.stream()
                                    .filter(n -> n.equals(domain) || n.endsWith("." + domain))
                                    .findFirst()
                                    .orElse(names.isEmpty() ? "unknown" : names.get(0)));
                }
                p = validatedName;
            }
            return p.thenApply(name -> {
                try {
                    String expanded = SpfMacro.expand(spec, new SpfMacro.Context(sender, domain, ip, helo, name));
                    return lower(SpfMacro.truncateDomain(expanded));
                } catch (SpfMacro.SyntaxException e) {
                    throw new Failure(SpfResult.PERMERROR, e.getMessage());
                }
            });
        }
    }
}
