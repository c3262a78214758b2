package org.karavel.events.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import org.karavel.api.events.MessageEvent;

/**
 * An event as the webhooks' payload element and the JSON event log's line carry it: snake_case keys
 * in a fixed order, every field present (empty rather than missing), time in UTC ISO-8601 with
 * milliseconds. Receivers parse one shape whatever the event type.
 */
final class EventJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private EventJson() {}

    static ObjectNode tree(MessageEvent e) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("id", e.id());
        o.put("type", e.type().word());
        o.put("time", DateTimeFormatter.ISO_INSTANT.format(e.at().truncatedTo(ChronoUnit.MILLIS)));
        o.put("queue_id", e.queueId());
        o.put("sender", e.sender());
        ArrayNode to = o.putArray("recipients");
        e.recipients().forEach(to::add);
        o.put("listener", e.listener());
        o.put("client_address", e.clientAddress());
        o.put("authenticated_user", e.authenticatedUser());
        o.put("remote_host", e.remoteHost());
        o.put("reply", e.reply());
        o.put("category", e.category());
        o.put("attempts", e.attempts());
        o.put("envid", e.envid());
        o.put("orcpt", e.orcpt());
        return o;
    }

    /** One line of JSON (no line break in it: strings are escaped), UTF-8. */
    static byte[] bytes(MessageEvent e) {
        try {
            return MAPPER.writeValueAsBytes(tree(e));
        } catch (JsonProcessingException x) {
            throw new UncheckedIOException(x);
        }
    }

    static String text(byte[] json) {
        return new String(json, StandardCharsets.UTF_8);
    }
}
