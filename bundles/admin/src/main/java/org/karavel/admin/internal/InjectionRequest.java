package org.karavel.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;

/**
 * A {@code POST /api/v1/inject} body, checked as a whole before anything is queued: one sender, one
 * message template and many recipients, each with its own substitutions. Every mistake is a 400
 * whose message starts with the field, e.g. {@code recipients[17].email: not an address}.
 *
 * @param envelopeSender the MAIL FROM of every message ({@code envelope_sender}, else {@code from})
 * @param from the From header's address and display name (empty name: none)
 * @param substitutions the values every recipient sees (its own substitutions take precedence)
 */
record InjectionRequest(
        MailAddress envelopeSender,
        MailAddress from,
        String fromName,
        Map<String, Object> substitutions,
        List<Recipient> recipients,
        MessageTemplate template) {

    /** One recipient: its index in the request (for error messages), address, name and substitutions. */
    record Recipient(int index, MailAddress address, String name, Map<String, Object> substitutions) {
        /** Where template values are looked up: the recipient's own first, then the request's. */
        List<Object> scopes(Map<String, Object> global) {
            return List.of(global, substitutions);
        }
    }

    private static final Set<String> FIELDS = Set.of(
            "from",
            "envelope_sender",
            "subject",
            "text",
            "html",
            "content",
            "headers",
            "substitutions",
            "recipients",
            "template_dialect",
            "deferred_generation");
    private static final Set<String> RECIPIENT_FIELDS = Set.of("email", "name", "substitutions");

    static InjectionRequest parse(JsonNode json, int maxRecipients) {
        if (json == null || !json.isObject()) {
            throw ApiError.badRequest("the body must be a JSON object");
        }
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw ApiError.badRequest(name + ": unknown field (see the admin README for the fields)");
            }
        }
        JsonNode deferred = json.get("deferred_generation");
        if (deferred != null && !deferred.isNull() && (!deferred.isBoolean() || deferred.asBoolean())) {
            throw ApiError.badRequest("deferred_generation: only false: every message is made and queued before "
                    + "the answer, which carries its queue id");
        }
        JsonNode fromNode = json.get("from");
        MailAddress from = fromAddress(fromNode);
        String fromName = fromNode != null && fromNode.isObject() ? name(fromNode.get("name"), "from.name") : "";
        MailAddress envelopeSender = json.hasNonNull("envelope_sender")
                ? address(json.get("envelope_sender"), "envelope_sender", true)
                : from;
        TemplateDialect dialect = json.hasNonNull("template_dialect")
                ? TemplateDialect.of(string(json.get("template_dialect"), "template_dialect"))
                : TemplateDialect.MUSTACHE;
        Map<String, Object> global = substitutions(json.get("substitutions"), "substitutions");
        List<Recipient> recipients = recipients(json.get("recipients"), maxRecipients);
        MessageTemplate template = MessageTemplate.of(json, dialect);
        return new InjectionRequest(envelopeSender, from, fromName, global, recipients, template);
    }

    private static List<Recipient> recipients(JsonNode node, int max) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw ApiError.badRequest("recipients: required, a list of at least one {\"email\": ...}");
        }
        if (node.size() > max) {
            throw new ApiError(
                    413,
                    "too_many_recipients",
                    "recipients: " + node.size() + " in one call, at most " + max + " (inject_max_recipients)");
        }
        List<Recipient> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            String field = "recipients[" + i + "]";
            JsonNode r = node.get(i);
            if (r.isTextual()) {
                out.add(new Recipient(i, address(r, field, false), "", Map.of()));
                continue;
            }
            if (!r.isObject()) {
                throw ApiError.badRequest(field + ": must be an object {\"email\": ..., \"substitutions\": {...}}");
            }
            for (Iterator<String> names = r.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!RECIPIENT_FIELDS.contains(name)) {
                    throw ApiError.badRequest(field + "." + name + ": unknown field (email, name, substitutions)");
                }
            }
            out.add(new Recipient(
                    i,
                    address(r.get("email"), field + ".email", false),
                    name(r.get("name"), field + ".name"),
                    substitutions(r.get("substitutions"), field + ".substitutions")));
        }
        return out;
    }

    private static MailAddress fromAddress(JsonNode node) {
        if (node != null && node.isObject()) {
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!name.equals("email") && !name.equals("name")) {
                    throw ApiError.badRequest("from." + name + ": unknown field (email, name)");
                }
            }
            return address(node.get("email"), "from.email", false);
        }
        if (node == null || !node.isTextual()) {
            throw ApiError.badRequest("from: required, the sender's address or {\"email\": ..., \"name\": ...}");
        }
        return address(node, "from", false);
    }

    /** An address as text; {@code <>} only where a null sender makes sense. */
    static MailAddress address(JsonNode node, String field, boolean nullSender) {
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            throw ApiError.badRequest(field + ": required, an address");
        }
        String text = node.asText().strip();
        try {
            MailAddress a =
                    text.startsWith("<") ? MailAddress.parsePath(text, nullSender, true) : MailAddress.parse(text);
            if (a.isNullSender() && !nullSender) {
                throw ApiError.badRequest(field + ": not an address: " + text);
            }
            return a;
        } catch (AddressSyntaxException e) {
            throw ApiError.badRequest(field + ": not an address: " + abbreviated(text) + " (" + e.getMessage() + ")");
        }
    }

    private static String name(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return "";
        }
        String name = string(node, field).strip();
        if (name.chars().anyMatch(c -> c < 32 || c == 127)) {
            throw ApiError.badRequest(field + ": must be one line without control characters");
        }
        return name;
    }

    static String string(JsonNode node, String field) {
        if (!node.isTextual()) {
            throw ApiError.badRequest(field + ": must be a string");
        }
        return node.asText();
    }

    /** A JSON object as the maps, lists and strings a template looks values up in. */
    static Map<String, Object> substitutions(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw ApiError.badRequest(field + ": must be an object of names and values");
        }
        return object(node);
    }

    private static Map<String, Object> object(JsonNode node) {
        Map<String, Object> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), value(e.getValue())));
        return Collections.unmodifiableMap(out);
    }

    private static Object value(JsonNode node) {
        if (node.isObject()) {
            return object(node);
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            node.forEach(n -> list.add(value(n)));
            return Collections.unmodifiableList(list);
        }
        if (node.isBoolean()) {
            // false hides a {{#section}}, true shows it once
            return node.asBoolean();
        }
        return node.isNull() ? null : node.asText();
    }

    private static String abbreviated(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }
}
