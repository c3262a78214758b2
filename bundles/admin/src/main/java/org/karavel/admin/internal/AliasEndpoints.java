package org.karavel.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.karavel.api.recipient.Alias;
import org.karavel.api.recipient.AliasAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/v1/aliases}: the virtual aliases, as {@code mta:alias-*} manages them.
 * {@code GET} lists, {@code POST {"address": ..., "targets": [...]}} adds targets (creating the
 * alias), {@code DELETE /api/v1/aliases/<address>[?target=...]} removes the alias or one target.
 */
final class AliasEndpoints {
    private static final Logger LOG = LoggerFactory.getLogger(AliasEndpoints.class);

    private final AdminServices services;
    private final ObjectMapper json;

    AliasEndpoints(AdminServices services, ObjectMapper json) {
        this.services = services;
        this.json = json;
    }

    /** @param rest the path after {@code aliases} */
    Map<String, Object> handle(AdminRequest r, List<String> rest) {
        AliasAdmin admin = services.aliases;
        if (rest.isEmpty() && r.method().equals("GET")) {
            return Map.of(
                    "aliases",
                    admin().aliases().stream().map(AliasEndpoints::row).toList());
        }
        if (rest.isEmpty() && r.method().equals("POST")) {
            JsonNode body = body(r);
            String address = body.path("address").asText("");
            List<String> targets = new ArrayList<>();
            body.path("targets").forEach(t -> targets.add(t.asText("")));
            try {
                admin().add(address, targets);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw ApiError.badRequest(e.getMessage());
            } catch (IOException e) {
                throw new ApiError(500, "write_failed", "the alias file cannot be written: " + e.getMessage());
            }
            LOG.info(
                    "admin: alias {} -> {} added by {} from [{}]",
                    address,
                    targets,
                    r.user().isEmpty() ? "a trusted client" : r.user(),
                    r.clientIp());
            return row(find(address));
        }
        if (rest.size() == 1 && r.method().equals("DELETE")) {
            String address = rest.get(0);
            String target = r.query().get("target");
            boolean removed;
            try {
                removed = admin().remove(address, target == null ? List.of() : List.of(target));
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw ApiError.badRequest(e.getMessage());
            } catch (IOException e) {
                throw new ApiError(500, "write_failed", "the alias file cannot be written: " + e.getMessage());
            }
            if (!removed) {
                throw ApiError.notFound("no such alias" + (target == null ? "" : " or target") + ": " + address);
            }
            LOG.info(
                    "admin: alias {} {} removed by {} from [{}]",
                    address,
                    target == null ? "(all targets)" : target,
                    r.user().isEmpty() ? "a trusted client" : r.user(),
                    r.clientIp());
            return Map.of("address", address, "removed", target == null ? "alias" : target);
        }
        if (rest.isEmpty()) {
            throw ApiError.methodNotAllowed("GET, POST");
        }
        if (rest.size() == 1) {
            throw ApiError.methodNotAllowed("DELETE");
        }
        throw ApiError.notFound("no such endpoint: " + r.path());
    }

    private AliasAdmin admin() {
        AliasAdmin admin = services.aliases;
        if (admin == null) {
            throw ApiError.unavailable("the alias store (bundle org.karavel.auth)");
        }
        return admin;
    }

    private Alias find(String address) {
        String key = address.strip().toLowerCase(Locale.ROOT);
        return admin().aliases().stream()
                .filter(a -> a.address().toLowerCase(Locale.ROOT).equals(key))
                .findFirst()
                .orElse(new Alias(address, List.of()));
    }

    private static Map<String, Object> row(Alias a) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("address", a.address());
        row.put("targets", a.targets());
        return row;
    }

    private JsonNode body(AdminRequest r) {
        if (r.body().length == 0) {
            throw ApiError.badRequest("a JSON body is required");
        }
        try {
            return json.readTree(r.body());
        } catch (IOException e) {
            throw ApiError.badRequest("the body is not valid JSON");
        }
    }
}
