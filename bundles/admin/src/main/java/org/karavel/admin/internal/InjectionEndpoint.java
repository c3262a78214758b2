package org.karavel.admin.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.karavel.admin.internal.InjectionRequest.Recipient;
import org.karavel.api.address.MailAddress;

/**
 * {@code POST /api/v1/inject}: one message per recipient from one template, each filled in with
 * that recipient's substitutions (KumoMTA's {@code /api/inject/v1} has the same shape). The whole
 * request is checked first: a bad field, address or substitution is a 400 naming it and nothing is
 * queued. Then the messages are queued in groups ({@link InjectionBatch}).
 */
final class InjectionEndpoint {
    private final AdminServices services;
    private final MessageInjection injection;
    private final MailLog mailLog;
    private final int maxRecipients;
    private final ObjectMapper json;
    private final Supplier<ZonedDateTime> clock;

    InjectionEndpoint(
            AdminServices services,
            MessageInjection injection,
            MailLog mailLog,
            int maxRecipients,
            ObjectMapper json,
            Supplier<ZonedDateTime> clock) {
        this.services = services;
        this.injection = injection;
        this.mailLog = mailLog;
        this.maxRecipients = maxRecipients;
        this.json = json;
        this.clock = clock;
    }

    AdminResponse inject(AdminRequest r) {
        InjectionRequest request = InjectionRequest.parse(body(r.body()), maxRecipients);
        ZonedDateTime now = clock.get();
        String[] headers = headers(request);
        InjectionBatch batch = new InjectionBatch(services.availableSpool(), injection, mailLog, r, now);
        return batch.queue(request, headers).answer(request, json);
    }

    /**
     * Every recipient's header fields, rendered and checked before anything is queued (all or
     * nothing: one bad substitution refuses the whole call). Date and Message-ID come at queueing.
     */
    private String[] headers(InjectionRequest request) {
        List<Recipient> recipients = request.recipients();
        String[] out = new String[recipients.size()];
        String from = request.template().raw() ? null : "From: " + mailbox(request.fromName(), request.from()) + "\r\n";
        for (Recipient rc : recipients) {
            String where = "recipients[" + rc.index() + "]";
            List<String> lines = request.template().header(rc.scopes(request.substitutions()), where);
            StringBuilder sb = new StringBuilder(256);
            if (from != null) {
                sb.append(from)
                        .append("To: ")
                        .append(mailbox(rc.name(), rc.address()))
                        .append("\r\n");
            }
            for (String line : lines) {
                sb.append(line).append("\r\n");
            }
            out[rc.index()] = sb.toString();
        }
        return out;
    }

    /** A mailbox of a From or To field: the address, after a display name when there is one. */
    static String mailbox(String name, MailAddress address) {
        if (name.isEmpty()) {
            return address.toString();
        }
        String display;
        if (name.chars().allMatch(c -> c >= 32 && c < 127)) {
            display = "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        } else {
            display = MessageInjection.encodedWord(name);
        }
        return display + " <" + address + ">";
    }

    /** The JSON body; a syntax error names where in the document it is (e.g. recipients[17].email). */
    private JsonNode body(byte[] body) {
        if (body.length == 0) {
            throw ApiError.badRequest("a JSON body is required");
        }
        try {
            return json.readTree(body);
        } catch (JsonProcessingException e) {
            String where = e.getProcessor() instanceof JsonParser p ? path(p.getParsingContext()) : "";
            String at = e.getLocation() == null
                    ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ")";
            throw ApiError.badRequest(
                    (where.isEmpty() ? "body" : where) + ": not valid JSON" + at + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiError.badRequest("body: cannot be read: " + e.getMessage());
        }
    }

    /** recipients[17].email for the JSON parser's position, "" at the top. */
    static String path(JsonStreamContext context) {
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.add(0, "[" + Math.max(0, c.getCurrentIndex()) + "]");
            } else if (c.getCurrentName() != null) {
                parts.add(0, "." + c.getCurrentName());
            }
        }
        String path = String.join("", parts);
        return path.startsWith(".") ? path.substring(1) : path;
    }
}
