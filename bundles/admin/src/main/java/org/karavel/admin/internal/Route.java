package org.karavel.admin.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One endpoint of the admin API: an HTTP method, a path pattern such as
 * {@code api/v1/queue/messages/{id}} (a {@code {name}} segment matches any one segment) and what
 * answers it.
 */
record Route(String method, List<String> pattern, Endpoint endpoint) {
    /** What answers a request; {@code params} are the segments the pattern's {@code {name}} parts matched, in order. */
    @FunctionalInterface
    interface Endpoint {
        AdminResponse answer(AdminRequest request, List<String> params);
    }

    Route {
        pattern = List.copyOf(pattern);
    }

    static Route get(String pattern, Endpoint endpoint) {
        return of("GET", pattern, endpoint);
    }

    static Route post(String pattern, Endpoint endpoint) {
        return of("POST", pattern, endpoint);
    }

    static Route delete(String pattern, Endpoint endpoint) {
        return of("DELETE", pattern, endpoint);
    }

    private static Route of(String method, String pattern, Endpoint endpoint) {
        return new Route(method, Arrays.asList(pattern.split("/")), endpoint);
    }

    /** The pattern as written, with a leading slash: {@code /api/v1/queue/messages/{id}}. */
    String path() {
        return "/" + String.join("/", pattern);
    }

    boolean matches(List<String> segments) {
        if (segments.size() != pattern.size()) {
            return false;
        }
        for (int i = 0; i < pattern.size(); i++) {
            if (!isParameter(pattern.get(i)) && !pattern.get(i).equals(segments.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** The segments matched by the parameters, for a path that {@link #matches}. */
    List<String> params(List<String> segments) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < pattern.size(); i++) {
            if (isParameter(pattern.get(i))) {
                out.add(segments.get(i));
            }
        }
        return out;
    }

    private static boolean isParameter(String segment) {
        return segment.startsWith("{") && segment.endsWith("}");
    }
}
