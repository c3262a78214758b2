package org.karavel.delivery.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.karavel.api.tls.TlsMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport table (Postfix's transport_maps): per recipient domain, the next hop. One entry a
 * line, {@code pattern route [option=value ...]}: the pattern is a domain ({@code example.com}),
 * its subdomains ({@code .example.com}) or the default ({@code *}); the route is {@code mx},
 * {@code refuse}, or SMTP or LMTP next hops tried in order ({@code smtp:[a]:587, smtp:[b]:587});
 * the options are {@code auth}, {@code password}, {@code tls} and {@code auth_insecure}. An exact
 * domain wins over the longest matching subdomain pattern, which wins over {@code *}. A malformed
 * line is an ERROR naming the file and line, and is left out.
 */
final class TransportTable {
    private static final Logger LOG = LoggerFactory.getLogger(TransportTable.class);

    static final TransportTable EMPTY = new TransportTable(Map.of(), Map.of(), null);

    private final Map<String, Route> exact;
    /** {@code .example.com} patterns, by the suffix with its dot. */
    private final Map<String, Route> suffixes;

    private final Route fallback;

    private TransportTable(Map<String, Route> exact, Map<String, Route> suffixes, Route fallback) {
        this.exact = Map.copyOf(exact);
        this.suffixes = Map.copyOf(suffixes);
        this.fallback = fallback;
    }

    /** Where the secrets of {@code password=} options are looked up. */
    record Secrets(List<Path> directories, Function<String, String> environment) {
        static final Secrets NONE = new Secrets(List.of(), name -> null);
    }

    /**
     * The table of these lines of {@code file} (its name, for the log); bad lines are logged and left out.
     *
     * @param legacySmarthost the {@code smarthost} key of org.karavel.delivery.cfg: the {@code *}
     *     entry when the file has none (null for none)
     */
    static TransportTable parse(String file, List<String> lines, Secrets secrets, Route legacySmarthost) {
        Map<String, Route> exact = new HashMap<>();
        Map<String, Route> suffixes = new HashMap<>();
        Route fallback = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + ":" + (i + 1);
            String[] parts = line.split("\\s+", 2);
            String pattern = parts[0].toLowerCase(Locale.ROOT);
            Route route;
            try {
                if (parts.length < 2) {
                    throw new IllegalArgumentException("no route after '" + parts[0] + "'");
                }
                checkPattern(pattern);
                route = parseRoute(parts[1], secrets);
            } catch (IllegalArgumentException e) {
                LOG.error("{}: transport entry left out: {}", where, e.getMessage());
                continue;
            }
            Map<String, Route> into = pattern.startsWith(".") ? suffixes : exact;
            if (pattern.equals("*") ? fallback != null : into.containsKey(pattern)) {
                LOG.error("{}: transport entry left out: '{}' has an entry already", where, pattern);
                continue;
            }
            if (pattern.equals("*")) {
                fallback = route;
            } else {
                into.put(pattern, route);
            }
            warnIfSecretMissing(where, route);
        }
        if (fallback == null) {
            fallback = legacySmarthost;
        } else if (legacySmarthost != null) {
            LOG.warn(
                    "{}: the '*' entry takes the place of smarthost = {} in org.karavel.delivery.cfg",
                    file,
                    legacySmarthost.name());
        }
        return new TransportTable(exact, suffixes, fallback);
    }

    /** The route of a recipient domain (lower case): MX when no entry matches. */
    Route route(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        Route r = exact.get(d);
        if (r != null) {
            return r;
        }
        for (int dot = d.indexOf('.'); dot >= 0; dot = d.indexOf('.', dot + 1)) {
            r = suffixes.get(d.substring(dot));
            if (r != null) {
                return r;
            }
        }
        return fallback != null ? fallback : Route.MX;
    }

    /** Every route of the table. */
    List<Route> routes() {
        List<Route> all = new ArrayList<>(exact.values());
        all.addAll(suffixes.values());
        if (fallback != null) {
            all.add(fallback);
        }
        return all;
    }

    /** The number of entries, the default included. */
    int size() {
        return exact.size() + suffixes.size() + (fallback == null ? 0 : 1);
    }

    private static void checkPattern(String pattern) {
        if (pattern.equals("*")) {
            return;
        }
        String d = pattern.startsWith(".") ? pattern.substring(1) : pattern;
        if (d.isEmpty() || !d.matches("[a-z0-9_-]+(\\.[a-z0-9_-]+)*\\.?")) {
            throw new IllegalArgumentException("'" + pattern + "' is not a domain, .subdomain pattern or *");
        }
    }

    /** A route with its options: {@code smtp:[a]:587, smtp:[b]:587 auth=user password=$[secret:relay]}. */
    static Route parseRoute(String text, Secrets secrets) {
        List<String> hopTexts = new ArrayList<>();
        Map<String, String> options = new HashMap<>();
        StringBuilder hops = new StringBuilder();
        for (String token : text.strip().split("\\s+")) {
            int eq = token.indexOf('=');
            if (eq > 0) {
                String key = token.substring(0, eq).toLowerCase(Locale.ROOT);
                if (options.put(key, token.substring(eq + 1)) != null) {
                    throw new IllegalArgumentException("option " + key + " given twice");
                }
            } else if (!options.isEmpty()) {
                throw new IllegalArgumentException("'" + token + "' after the options: options come last");
            } else {
                hops.append(token);
            }
        }
        for (String h : hops.toString().split(",")) {
            if (!h.isEmpty()) {
                hopTexts.add(h);
            }
        }
        if (hopTexts.isEmpty()) {
            throw new IllegalArgumentException("no route");
        }
        Route.Kind kind = null;
        List<NextHop> parsed = new ArrayList<>();
        for (String h : hopTexts) {
            String lower = h.toLowerCase(Locale.ROOT);
            Route.Kind k;
            if (lower.equals("mx") || lower.equals("refuse")) {
                if (hopTexts.size() > 1) {
                    throw new IllegalArgumentException("'" + h + "' cannot be part of a list of next hops");
                }
                k = lower.equals("mx") ? Route.Kind.MX : Route.Kind.REFUSE;
            } else if (lower.startsWith("smtp:")) {
                k = Route.Kind.SMTP;
                parsed.add(NextHop.parse(h.substring(5), 25));
            } else if (lower.startsWith("lmtp:")) {
                k = Route.Kind.LMTP;
                NextHop hop = NextHop.parse(h.substring(5), 24);
                parsed.add(hop);
            } else {
                throw new IllegalArgumentException(
                        "'" + h + "' is not mx, refuse, smtp:[host]:port, smtp:host:port or lmtp:host:port");
            }
            if (kind != null && kind != k) {
                throw new IllegalArgumentException("a list of next hops mixes smtp and lmtp");
            }
            kind = k;
        }
        return withOptions(kind, parsed, options, secrets);
    }

    private static Route withOptions(
            Route.Kind kind, List<NextHop> hops, Map<String, String> options, Secrets secrets) {
        Map<String, String> o = new HashMap<>(options);
        String user = o.remove("auth");
        String password = o.remove("password");
        String tlsText = o.remove("tls");
        String insecureText = o.remove("auth_insecure");
        if (!o.isEmpty()) {
            throw new IllegalArgumentException(
                    "unknown option(s) " + o.keySet() + " (auth, password, auth_insecure, tls)");
        }
        if (kind != Route.Kind.SMTP && (user != null || password != null || tlsText != null || insecureText != null)) {
            throw new IllegalArgumentException("options apply to smtp next hops only");
        }
        if ((user == null) != (password == null)) {
            throw new IllegalArgumentException("auth=user and password=$[secret:name] go together");
        }
        boolean insecure = false;
        if (insecureText != null) {
            if (!insecureText.equalsIgnoreCase("true") && !insecureText.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException("auth_insecure is true or false, not " + insecureText);
            }
            insecure = Boolean.parseBoolean(insecureText.toLowerCase(Locale.ROOT));
        }
        SmtpLogin login = null;
        if (user != null) {
            if (user.isEmpty()) {
                throw new IllegalArgumentException("auth= needs a user name");
            }
            login = new SmtpLogin(
                    user, SecretReference.parse(password, secrets.directories(), secrets.environment()), insecure);
        } else if (insecureText != null) {
            throw new IllegalArgumentException("auth_insecure without auth");
        }
        TlsMode tls = tlsText == null ? null : TlsMode.parse(tlsText);
        if (kind == Route.Kind.LMTP) {
            hops = hops.stream()
                    .map(h -> new NextHop(h.host(), h.port(), false))
                    .toList();
        }
        return new Route(kind, hops, login, tls);
    }

    /** A password file or variable that is not there now: the entry stays (its mail waits), the operator is told. */
    private static void warnIfSecretMissing(String where, Route route) {
        if (route.auth() == null) {
            return;
        }
        try {
            byte[] b = route.auth().password().read();
            Arrays.fill(b, (byte) 0);
        } catch (IOException e) {
            LOG.error(
                    "{}: password {} cannot be read ({}): mail on this route is deferred until it can",
                    where,
                    route.auth().password(),
                    e.getMessage());
        }
    }
}
