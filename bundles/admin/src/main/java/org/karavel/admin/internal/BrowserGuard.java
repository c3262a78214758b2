package org.karavel.admin.internal;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.karavel.api.net.CidrBlock;

/**
 * Keeps a web browser on the admin's machine from being used against the API by a web page. Every
 * request must name this listener in {@code Host} (its address, {@code localhost} when it listens on
 * loopback, or one of {@code server_names}), which defeats DNS rebinding: a rebound page sends its
 * own host name. A request that changes state (any method but GET and HEAD) must also say
 * {@code Content-Type: application/json} (or {@code text/csv}, for a suppression import), which no
 * form and no "simple" cross-site request can send,
 * and is refused when {@code Sec-Fetch-Site} or {@code Origin} says it comes from another site. The
 * API never sends CORS headers, so a browser's preflight for anything else fails.
 */
final class BrowserGuard {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final List<CidrBlock> LOOPBACK = List.of(CidrBlock.parse("127.0.0.0/8"), CidrBlock.parse("::1/128"));

    private final String scheme;
    private final InetAddress address;
    private final boolean loopbackOrAny;
    private final Set<String> serverNames;

    BrowserGuard(AdminSettings settings) {
        this.scheme = settings.tls() ? "https" : "http";
        this.address = literal(settings.address());
        this.loopbackOrAny = address == null || address.isLoopbackAddress() || address.isAnyLocalAddress();
        this.serverNames = settings.serverNames();
    }

    /** GET and HEAD only read; every other method may change something and gets the stricter checks. */
    static boolean changesState(String method) {
        return !method.equals("GET") && !method.equals("HEAD");
    }

    /**
     * Throws the refusal for a request a web page may have made; returns for everything else.
     *
     * @param target the request URI as sent (an absolute URI names a host too)
     */
    void check(String method, URI target, List<String> host, String origin, String fetchSite, String contentType) {
        if (host == null || host.size() != 1 || host.get(0).isBlank()) {
            throw ApiError.badRequest("exactly one Host header is required");
        }
        Authority requested = Authority.parse(host.get(0).strip(), scheme);
        if (requested == null || !isOurName(requested.host())) {
            throw foreignHost(host.get(0));
        }
        if (target.getHost() != null && !isOurName(normalName(target.getHost()))) {
            throw foreignHost(target.getHost());
        }
        if (!changesState(method)) {
            return;
        }
        if (fetchSite != null) {
            String site = fetchSite.strip().toLowerCase(Locale.ROOT);
            if (site.equals("cross-site") || site.equals("same-site")) {
                throw crossSite("Sec-Fetch-Site: " + site);
            }
        }
        if (origin != null && !sameOrigin(origin.strip(), requested)) {
            throw crossSite("Origin: " + origin.strip());
        }
        if (!isJson(contentType) && !isCsv(contentType)) {
            throw new ApiError(
                    415,
                    "unsupported_media_type",
                    "a request that changes state must say Content-Type: application/json (a web form cannot)");
        }
    }

    private boolean isOurName(String host) {
        if (serverNames.contains(host)) {
            return true;
        }
        InetAddress given = literal(host);
        if (given == null) {
            return loopbackOrAny && host.equals("localhost");
        }
        if (address == null || address.isAnyLocalAddress()) {
            // a wildcard listener answers on every address of the machine; an address literal cannot be rebound
            return true;
        }
        if (address.isLoopbackAddress()) {
            // an ssh -L tunnel may arrive on the other loopback address
            return LOOPBACK.stream().anyMatch(b -> b.contains(given));
        }
        return address.equals(given);
    }

    private boolean sameOrigin(String origin, Authority requested) {
        URI uri;
        try {
            uri = new URI(origin);
        } catch (URISyntaxException e) {
            return false;
        }
        // "null" (sandboxed frames, file: pages, redirects) has no scheme and is never ours
        if (uri.getScheme() == null
                || uri.getRawAuthority() == null
                || uri.getRawPath() != null && !uri.getRawPath().isEmpty()) {
            return false;
        }
        String originScheme = uri.getScheme().toLowerCase(Locale.ROOT);
        Authority from = Authority.parse(uri.getRawAuthority(), originScheme);
        return originScheme.equals(scheme) && from != null && from.equals(requested);
    }

    /** text/csv (a suppression import): like JSON, not a type a form or a simple request can send. */
    static boolean isCsv(String contentType) {
        return mediaType(contentType).equalsIgnoreCase("text/csv");
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
        return type.equalsIgnoreCase("application/json");
    }

    private static ApiError foreignHost(String host) {
        return new ApiError(
                403,
                "host_not_allowed",
                "Host " + printable(host) + " is not a name of this admin API "
                        + "(its address, localhost on loopback, or server_names in etc/org.karavel.admin.cfg): refused "
                        + "against DNS rebinding");
    }

    private static ApiError crossSite(String why) {
        return new ApiError(
                403,
                "cross_site_request",
                "refused a request from another web site (" + printable(why)
                        + "); the admin API takes no requests from web pages");
    }

    /** At most 100 printable ASCII characters of a header value, for an error message. */
    private static String printable(String text) {
        String t = text.length() > 100 ? text.substring(0, 100) + "..." : text;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** A host name or literal as compared: lower case, brackets and one trailing dot dropped. */
    static String normalName(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    static boolean isHostName(String name) {
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** The address an IP literal names (never a DNS lookup), or null for anything else. */
    static InetAddress literal(String text) {
        String t = normalName(text);
        if (!t.matches("[0-9a-f:.]+")) {
            return null;
        }
        try {
            CidrBlock.parse(t);
            return InetAddress.getByName(t);
        } catch (IllegalArgumentException | UnknownHostException e) {
            return null;
        }
    }

    /** Host and port of a Host header or an Origin, the port defaulted by the scheme. */
    record Authority(String host, int port) {
        static Authority parse(String text, String scheme) {
            String host;
            String port = "";
            if (text.startsWith("[")) {
                int close = text.indexOf(']');
                if (close < 0) {
                    return null;
                }
                host = text.substring(1, close);
                String rest = text.substring(close + 1);
                if (!rest.isEmpty()) {
                    if (!rest.startsWith(":")) {
                        return null;
                    }
                    port = rest.substring(1);
                }
                if (literal(host) == null) {
                    return null;
                }
            } else {
                int colon = text.indexOf(':');
                if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
                    return null; // an IPv6 literal without brackets, or garbage
                }
                host = colon < 0 ? text : text.substring(0, colon);
                port = colon < 0 ? "" : text.substring(colon + 1);
            }
            host = normalName(host);
            if (literal(host) == null && !isHostName(host)) {
                return null;
            }
            if (port.isEmpty()) {
                return new Authority(host, scheme.equals("https") ? 443 : 80);
            }
            if (!port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) {
                return null;
            }
            return new Authority(host, Integer.parseInt(port));
        }
    }
}
