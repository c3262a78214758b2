package org.karavel.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.karavel.api.suppression.Suppression;
import org.karavel.api.suppression.SuppressionCsv;
import org.karavel.api.suppression.SuppressionList;
import org.karavel.api.suppression.SuppressionPage;
import org.karavel.api.suppression.SuppressionQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/v1/suppression}: the suppression list, as {@code mta:suppression-*} manages it. {@code
 * GET} lists a page ({@code ?address=} text, {@code category}, {@code after}, {@code limit}), {@code
 * GET .../<address>} shows one entry, {@code POST} adds one entry or a JSON array of them, {@code
 * DELETE .../<address>} removes one, {@code GET .../export} and {@code POST .../import} move the
 * whole list as CSV. A bad value is a 400 whose message starts with the field's name.
 */
final class SuppressionEndpoints {
    private static final Logger LOG = LoggerFactory.getLogger(SuppressionEndpoints.class);
    static final String CSV = "text/csv; charset=utf-8";

    private final AdminServices services;
    private final ObjectMapper json;
    private final Supplier<Instant> clock;

    SuppressionEndpoints(AdminServices services, ObjectMapper json, Supplier<Instant> clock) {
        this.services = services;
        this.json = json;
        this.clock = clock;
    }

    /** {@code GET /api/v1/suppression}. */
    Map<String, Object> list(AdminRequest r) {
        Map<String, String> q = r.query();
        int limit = SuppressionQuery.DEFAULT_LIMIT;
        String given = q.get("limit");
        if (given != null) {
            try {
                limit = Integer.parseInt(given.strip());
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("limit: '" + given + "' is not a number");
            }
        }
        SuppressionQuery query;
        try {
            query = new SuppressionQuery(q.get("address"), q.get("category"), q.get("after"), limit);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        SuppressionList list = list();
        SuppressionPage page = list.list(query);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put(
                "entries",
                page.entries().stream().map(SuppressionEndpoints::row).toList());
        body.put("next", page.next());
        body.put("count", list.count());
        return body;
    }

    /** {@code GET /api/v1/suppression/<address>}. */
    Map<String, Object> show(String address) {
        try {
            return row(list().find(address)
                    .orElseThrow(() -> ApiError.notFound("not suppressed: " + Suppression.key(address))));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }

    /** {@code POST /api/v1/suppression}: one entry object, or an array of them (all or none). */
    Map<String, Object> add(AdminRequest r) {
        JsonNode body = body(r);
        Instant now = clock.get();
        List<Suppression> entries = new ArrayList<>();
        if (body.isArray()) {
            if (body.isEmpty()) {
                throw ApiError.badRequest("entries: the array is empty");
            }
            for (int i = 0; i < body.size(); i++) {
                entries.add(entry(body.get(i), "[" + i + "].", now));
            }
        } else {
            entries.add(entry(body, "", now));
        }
        SuppressionList list = list();
        if (entries.size() == 1) {
            list.add(entries.get(0));
        } else {
            list.importEntries(entries);
        }
        LOG.info(
                "admin: {} suppressed by {} from [{}]",
                entries.size() == 1 ? entries.get(0).address() : entries.size() + " addresses",
                r.who(),
                r.clientIp());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("added", entries.size());
        out.put("entries", entries.stream().map(SuppressionEndpoints::row).toList());
        return out;
    }

    /** {@code DELETE /api/v1/suppression/<address>}. */
    Map<String, Object> remove(AdminRequest r, String address) {
        boolean removed;
        String key;
        try {
            key = Suppression.key(address);
            removed = list().remove(key);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        if (!removed) {
            throw ApiError.notFound("not suppressed: " + key);
        }
        LOG.info("admin: {} removed from the suppression list by {} from [{}]", key, r.who(), r.clientIp());
        return Map.of("address", key, "removed", true);
    }

    /** {@code GET /api/v1/suppression/export}: every entry in force as CSV. */
    AdminResponse export() {
        StringWriter out = new StringWriter();
        list().exportEntries(SuppressionCsv.writer(out));
        AdminResponse plain = AdminResponse.text(200, CSV, out.toString());
        return new AdminResponse(
                plain.status(),
                plain.contentType(),
                plain.body(),
                Map.of("Content-Disposition", "attachment; filename=\"suppression.csv\""));
    }

    /** {@code POST /api/v1/suppression/import}: a CSV body; a bad line imports nothing. */
    Map<String, Object> importCsv(AdminRequest r) {
        if (r.body().length == 0) {
            throw ApiError.badRequest("a CSV body is required (" + SuppressionCsv.HEADER + ")");
        }
        List<Suppression> entries;
        try (Reader in = new InputStreamReader(new ByteArrayInputStream(r.body()), StandardCharsets.UTF_8)) {
            entries = SuppressionCsv.read(in, clock.get(), "admin");
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage() + "; nothing imported");
        } catch (IOException e) {
            throw ApiError.badRequest("the body cannot be read: " + e.getMessage());
        }
        int n = list().importEntries(entries);
        LOG.info("admin: {} suppression entries imported by {} from [{}]", n, r.who(), r.clientIp());
        return Map.of("imported", n);
    }

    private Suppression entry(JsonNode node, String prefix, Instant now) {
        if (node == null || !node.isObject()) {
            throw ApiError.badRequest(
                    (prefix.isEmpty() ? "body" : prefix.substring(0, prefix.length() - 1)) + ": not a JSON object");
        }
        try {
            String category = text(node, "category", prefix);
            String created = text(node, "created", prefix);
            return new Suppression(
                    text(node, "address", prefix),
                    text(node, "reason", prefix),
                    category.isEmpty() ? Suppression.MANUAL : category,
                    created.isEmpty() ? now : Instant.parse(created),
                    Suppression.parseExpiry(text(node, "expires", prefix), now),
                    "admin");
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(prefix + e.getMessage());
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest(prefix + "created: not an ISO 8601 UTC time such as 2026-12-07T12:00:00Z");
        }
    }

    private static String text(JsonNode node, String field, String prefix) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw ApiError.badRequest(prefix + field + ": must be a string");
        }
        return v.asText();
    }

    static Map<String, Object> row(Suppression s) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("address", s.address());
        row.put("reason", s.reason());
        row.put("category", s.category());
        row.put("created", s.created().toString());
        row.put("expires", s.expires() == null ? null : s.expires().toString());
        row.put("source", s.source());
        return row;
    }

    private SuppressionList list() {
        SuppressionList l = services.suppression;
        if (l == null) {
            throw ApiError.unavailable("the suppression list (bundle org.karavel.suppression)");
        }
        return l;
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
