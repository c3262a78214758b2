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

    /** {@code GET /api/v1/aliases}. */
    Map<String, Object> list() {
        return Map.of(
                "aliases", admin().aliases().stream().map(AliasEndpoints::row).toList());
    }

    /** {@code POST /api/v1/aliases}: adds targets, creating the alias. */
    Map<String, Object> add(AdminRequest r) {
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
        LOG.info("admin: alias {} -> {} added by {} from [{}]", address, targets, r.who(), r.clientIp());
        return row(find(address));
    }

    /** {@code DELETE /api/v1/aliases/<address>[?target=...]}: the alias, or one of its targets. */
    Map<String, Object> remove(AdminRequest r, String address) {
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
                r.who(),
                r.clientIp());
        return Map.of("address", address, "removed", target == null ? "alias" : target);
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
