package org.karavel.admin.internal;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The admin API's routes, and what follows from them: the route for a request, 404 for a path no
 * route has, 405 with {@code Allow} (the methods of that path's routes, in table order) for a
 * method it lacks. The first pattern in table order that matches a path is the resource, so a
 * literal pattern is listed before a parameter one it overlaps.
 */
final class RouteTable {
    private final List<Route> routes;

    RouteTable(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    List<Route> routes() {
        return routes;
    }

    AdminResponse answer(AdminRequest r) {
        List<String> segments = r.segments();
        List<Route> resource = resource(segments);
        if (resource.isEmpty()) {
            throw ApiError.notFound("no such endpoint: " + r.path());
        }
        for (Route route : resource) {
            if (route.method().equals(r.method())) {
                return route.endpoint().answer(r, route.params(segments));
            }
        }
        throw ApiError.methodNotAllowed(allow(resource));
    }

    /** The routes of the first pattern that matches these segments, empty when none does. */
    private List<Route> resource(List<String> segments) {
        for (Route route : routes) {
            if (route.matches(segments)) {
                return routes.stream()
                        .filter(other -> other.pattern().equals(route.pattern()))
                        .toList();
            }
        }
        return List.of();
    }

    private static String allow(List<Route> resource) {
        Set<String> methods = new LinkedHashSet<>();
        resource.forEach(route -> methods.add(route.method()));
        return String.join(", ", methods);
    }
}
