package org.karavel.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import org.karavel.api.auth.MailboxUserAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/v1/users}: the mailbox users, as {@code mta:user-*} manages them. {@code GET} lists,
 * {@code POST {"user": ..., "password": ...}} adds, {@code POST /api/v1/users/<user>/password
 * {"password": ...}} sets the password, {@code DELETE /api/v1/users/<user>} removes. A password is
 * hashed by the auth bundle and never logged nor answered.
 */
final class UserEndpoints {
    private static final Logger LOG = LoggerFactory.getLogger(UserEndpoints.class);

    private final AdminServices services;
    private final ObjectMapper json;

    UserEndpoints(AdminServices services, ObjectMapper json) {
        this.services = services;
        this.json = json;
    }

    Map<String, Object> list() {
        return Map.of("users", admin().list());
    }

    Map<String, Object> add(AdminRequest r) {
        JsonNode body = body(r);
        String user = body.path("user").asText("").strip();
        char[] password = password(body);
        try {
            admin().add(user, password);
        } catch (IllegalArgumentException e) {
            throw new ApiError(e.getMessage().contains("exists") ? 409 : 400, "bad_user", e.getMessage());
        } catch (IOException e) {
            throw new ApiError(500, "write_failed", "the user file cannot be written: " + e.getMessage());
        } finally {
            Arrays.fill(password, '\0');
        }
        LOG.info("admin: user {} added by {} from [{}]", user, r.who(), r.clientIp());
        return Map.of("user", user, "added", true);
    }

    Map<String, Object> setPassword(AdminRequest r, String user) {
        char[] password = password(body(r));
        try {
            admin().setPassword(user, password);
        } catch (IllegalArgumentException e) {
            throw new ApiError(e.getMessage().startsWith("no such user") ? 404 : 400, "bad_user", e.getMessage());
        } catch (IOException e) {
            throw new ApiError(500, "write_failed", "the user file cannot be written: " + e.getMessage());
        } finally {
            Arrays.fill(password, '\0');
        }
        LOG.info("admin: password of {} changed by {} from [{}]", user, r.who(), r.clientIp());
        return Map.of("user", user, "passwordChanged", true);
    }

    Map<String, Object> remove(AdminRequest r, String user) {
        boolean removed;
        try {
            removed = admin().remove(user);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        } catch (IOException e) {
            throw new ApiError(500, "write_failed", "the user file cannot be written: " + e.getMessage());
        }
        if (!removed) {
            throw ApiError.notFound("no such user: " + user);
        }
        LOG.info("admin: user {} removed by {} from [{}]", user, r.who(), r.clientIp());
        return Map.of("user", user, "removed", true);
    }

    private static char[] password(JsonNode body) {
        JsonNode p = body.get("password");
        if (p == null || !p.isTextual() || p.asText().isEmpty()) {
            throw ApiError.badRequest("password must be a non-empty string");
        }
        return p.asText().toCharArray();
    }

    private MailboxUserAdmin admin() {
        MailboxUserAdmin admin = services.userAdmin;
        if (admin == null) {
            throw ApiError.unavailable("the user store (bundle org.karavel.auth)");
        }
        return admin;
    }

    private JsonNode body(AdminRequest r) {
        if (r.body().length == 0) {
            throw ApiError.badRequest("a JSON body is required");
        }
        try {
            JsonNode node = json.readTree(r.body());
            if (node == null || !node.isObject()) {
                throw ApiError.badRequest("the body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw ApiError.badRequest("the body is not valid JSON");
        }
    }
}
