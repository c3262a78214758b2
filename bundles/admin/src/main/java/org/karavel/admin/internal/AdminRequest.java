package org.karavel.admin.internal;

import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One admitted request, as the endpoints see it: no HTTP server types, so that tests can call the
 * API directly.
 *
 * @param user the admin user who sent it, or empty for a trusted client that gave no credentials
 */
record AdminRequest(
        String method,
        String path,
        Map<String, String> query,
        byte[] body,
        InetAddress client,
        boolean https,
        String user) {

    AdminRequest {
        query = Map.copyOf(query);
        body = body == null ? new byte[0] : body;
        user = user == null ? "" : user;
    }

    /** The client address as text without an IPv6 scope, as in the mail log and the Envelope. */
    String clientIp() {
        String text = client.getHostAddress();
        int scope = text.indexOf('%');
        return scope >= 0 ? text.substring(0, scope) : text;
    }

    /** Who sent it, for the log: the admin user, or "a trusted client" that gave no credentials. */
    String who() {
        return user.isEmpty() ? "a trusted client" : user;
    }

    /** The path split at slashes, empty segments dropped, each percent-decoded. */
    List<String> segments() {
        return Arrays.stream(path.split("/"))
                .filter(s -> !s.isEmpty())
                .map(s -> URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8))
                .toList();
    }

    /** Parses a raw query string; the last value of a repeated name wins. */
    static Map<String, String> parseQuery(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(name, value);
        }
        return out;
    }
}
