package org.karavel.admin.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What the API answers: status, content type, body and extra headers. */
record AdminResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
    static final String JSON = "application/json; charset=utf-8";

    AdminResponse {
        headers = Map.copyOf(headers);
    }

    static AdminResponse json(ObjectMapper mapper, int status, Object body) {
        try {
            return new AdminResponse(status, JSON, mapper.writeValueAsBytes(body), Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static AdminResponse text(int status, String contentType, String text) {
        return new AdminResponse(status, contentType, text.getBytes(StandardCharsets.UTF_8), Map.of());
    }
}
