package org.karavel.admin.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web console's files ({@code /console/...}, {@code /} redirects there): HTML, CSS and
 * JavaScript modules packed in the bundle under {@code console/}, the charting library among them,
 * so the page needs no network but this listener. The files are the same code in every
 * installation and hold no data; every figure the page shows comes from the API under its own rules.
 */
final class ConsoleFiles {
    static final String PREFIX = "/console/";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "txt", "text/plain; charset=utf-8");

    private final ClassLoader loader;
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    ConsoleFiles(ClassLoader loader) {
        this.loader = loader;
    }

    /** Whether the path is the console's: {@code /}, {@code /console} or below {@code /console/}. */
    static boolean isConsole(String path) {
        return path.equals("/") || path.equals("/console") || path.startsWith(PREFIX);
    }

    /**
     * A plain-HTTP request from another machine is refused, never served: the console's password
     * and figures would cross the network in clear (an SSH tunnel arrives on loopback).
     */
    static void checkTransport(InetAddress client, boolean https) {
        if (!https && !client.isLoopbackAddress()) {
            throw new ApiError(
                    403,
                    "https_required",
                    "the console is served over plain HTTP to loopback clients only: use an SSH tunnel "
                            + "(ssh -L 8000:127.0.0.1:8000) or set tls = true in etc/org.karavel.admin.cfg");
        }
    }

    AdminResponse answer(String method, String path) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw ApiError.methodNotAllowed("GET, HEAD");
        }
        if (path.equals("/") || path.equals("/console")) {
            return new AdminResponse(302, "text/plain; charset=utf-8", new byte[0], Map.of("Location", PREFIX));
        }
        String rest = path.substring(PREFIX.length());
        String name = rest.isEmpty() ? "index.html" : rest;
        String[] parts = name.split("/", -1);
        for (String part : parts) {
            if (!NAME.matcher(part).matches() || part.contains("..")) {
                throw ApiError.notFound("no such console file: " + path);
            }
        }
        int dot = name.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(name.substring(dot + 1));
        if (type == null) {
            throw ApiError.notFound("no such console file: " + path);
        }
        byte[] content = cache.computeIfAbsent(name, this::load);
        if (content.length == 0) {
            cache.remove(name);
            throw ApiError.notFound("no such console file: " + path);
        }
        return new AdminResponse(200, type, content, Map.of());
    }

    private byte[] load(String name) {
        try (InputStream in = loader.getResourceAsStream("console/" + name)) {
            return in == null ? new byte[0] : in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
