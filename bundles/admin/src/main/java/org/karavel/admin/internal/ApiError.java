package org.karavel.admin.internal;

import java.util.Map;

/**
 * A request the API answers with an error: the status and a stable code for scripts, and a message
 * for people. Thrown by the endpoints, turned into {@code {"error": code, "message": text}}.
 */
final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final transient Map<String, String> headers;

    ApiError(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    ApiError(int status, String code, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    /** Response headers that go with the error (WWW-Authenticate, Retry-After, Allow). */
    Map<String, String> headers() {
        return headers;
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, "bad_request", message);
    }

    static ApiError notFound(String message) {
        return new ApiError(404, "not_found", message);
    }

    static ApiError methodNotAllowed(String allowed) {
        return new ApiError(405, "method_not_allowed", "use " + allowed, Map.of("Allow", allowed));
    }

    static ApiError unavailable(String service) {
        return new ApiError(503, "service_unavailable", service + " is not available now");
    }
}
