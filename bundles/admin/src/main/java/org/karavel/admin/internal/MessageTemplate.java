package org.karavel.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.karavel.admin.internal.TemplateDialect.Template;

/**
 * The message of an injection, compiled once and filled in per recipient. Either built from parts
 * ({@code subject}, {@code headers}, {@code text}, {@code html}) or RFC 5322 text ({@code content})
 * used as it is. Header fields are rendered first, for every recipient, so that a substitution
 * that would break a header line is refused before anything is queued; bodies are rendered while
 * queueing (they cannot fail).
 */
abstract class MessageTemplate {
    static final int MAX_LINE = 998;
    private static final Pattern FIELD_NAME = Pattern.compile("[!-9;-~]+");
    // Karavel writes these itself from the other fields: a value in "headers" would be a second one
    private static final Set<String> OWN_FIELDS = Set.of(
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "mime-version",
            "content-type",
            "content-transfer-encoding",
            "received");

    /**
     * The header fields of one recipient's message (each "Name: value" without its line end; in
     * content mode the header section's lines as rendered), or a 400 naming the recipient and field.
     */
    abstract List<String> header(List<Object> scopes, String recipient);

    /** The whole message text after the header fields: MIME fields, empty line and body (CRLF). */
    abstract String rest(List<Object> scopes, String boundarySeed);

    /** Whether the message is given whole (content): no From, To, Date are added but Date and Message-ID. */
    abstract boolean raw();

    static MessageTemplate of(JsonNode json, TemplateDialect dialect) {
        if (json.hasNonNull("content")) {
            for (String part : List.of("subject", "text", "html", "headers")) {
                if (json.has(part)) {
                    throw ApiError.badRequest(part + ": give either content (the whole message) or subject, "
                            + "text, html and headers, not both");
                }
            }
            return RawMessageTemplate.of(InjectionRequest.string(json.get("content"), "content"), dialect);
        }
        if (!json.hasNonNull("text") && !json.hasNonNull("html")) {
            throw ApiError.badRequest("text: required (or html, or both; or content for a whole message)");
        }
        Template subject = oneLine(json, "subject", dialect);
        Map<String, Template> headers = headers(json.get("headers"), dialect);
        Template text = json.hasNonNull("text") ? dialect.compile("text", text(json, "text"), false) : null;
        Template html = json.hasNonNull("html") ? dialect.compile("html", text(json, "html"), true) : null;
        return new ComposedMessageTemplate(subject, headers, text, html);
    }

    private static String text(JsonNode json, String field) {
        return InjectionRequest.string(json.get(field), field);
    }

    private static Template oneLine(JsonNode json, String field, TemplateDialect dialect) {
        String text = json.hasNonNull(field) ? text(json, field) : "";
        if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) {
            throw ApiError.badRequest(field + ": must be one line");
        }
        return dialect.compile(field, text, false);
    }

    private static Map<String, Template> headers(JsonNode node, TemplateDialect dialect) {
        Map<String, Template> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw ApiError.badRequest("headers: must be an object of field names and values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String field = "headers." + name;
            if (!FIELD_NAME.matcher(name).matches()) {
                throw ApiError.badRequest(field + ": not a header field name");
            }
            if (OWN_FIELDS.contains(name.toLowerCase(Locale.ROOT))) {
                throw ApiError.badRequest(field + ": Karavel writes this field itself (from, recipients, subject, "
                        + "text, html); use content for a message given whole");
            }
            String value = InjectionRequest.string(e.getValue(), field);
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw ApiError.badRequest(field + ": must be one line");
            }
            out.put(name, dialect.compile(field, value, false));
        }
        return out;
    }

    /**
     * A rendered header value, checked: one line, no control characters (a substitution must not add
     * a field, as {@code "x\r\nBcc: ..."} would); non-ASCII as RFC 2047 encoded-words.
     */
    static String headerValue(String value, String recipient, String field) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') {
                throw ApiError.badRequest(recipient + ".substitutions: would put a line break into " + field
                        + " (header values are one line)");
            }
            if ((c < 32 && c != '\t') || c == 127) {
                throw ApiError.badRequest(recipient + ".substitutions: would put a control character into " + field);
            }
        }
        String encoded = MessageInjection.encodedWord(value);
        if (encoded.length() + field.length() + 2 > MAX_LINE && encoded.indexOf("\r\n") < 0) {
            throw ApiError.badRequest(recipient + ": " + field + " would be longer than " + MAX_LINE + " characters");
        }
        return encoded;
    }

    /** The parts of a message built by Karavel: Subject, extra fields, text and/or HTML. */
    private static final class ComposedMessageTemplate extends MessageTemplate {
        private final Template subject;
        private final Map<String, Template> headers;
        private final Template text;
        private final Template html;

        ComposedMessageTemplate(Template subject, Map<String, Template> headers, Template text, Template html) {
            this.subject = subject;
            this.headers = headers;
            this.text = text;
            this.html = html;
        }

        @Override
        List<String> header(List<Object> scopes, String recipient) {
            List<String> out = new ArrayList<>(headers.size() + 1);
            out.add("Subject: " + headerValue(subject.render(scopes), recipient, "subject"));
            for (Map.Entry<String, Template> h : headers.entrySet()) {
                String name = h.getKey();
                out.add(name + ": " + headerValue(h.getValue().render(scopes), recipient, "headers." + name));
            }
            return out;
        }

        @Override
        String rest(List<Object> scopes, String boundarySeed) {
            StringBuilder sb = new StringBuilder(1024);
            sb.append("MIME-Version: 1.0\r\n");
            if (text != null && html != null) {
                // the seed is the message's queue id: unique, and never in QP or the parts' own text
                String boundary = "=_karavel_alt_" + boundarySeed;
                sb.append("Content-Type: multipart/alternative; boundary=\"")
                        .append(boundary)
                        .append("\"\r\n\r\n");
                sb.append("--").append(boundary).append("\r\n");
                MimeText.part(sb, "text/plain", text.render(scopes));
                sb.append("\r\n--").append(boundary).append("\r\n");
                MimeText.part(sb, "text/html", html.render(scopes));
                sb.append("\r\n--").append(boundary).append("--\r\n");
            } else if (text != null) {
                MimeText.part(sb, "text/plain", text.render(scopes));
            } else {
                MimeText.part(sb, "text/html", html.render(scopes));
            }
            return sb.toString();
        }

        @Override
        boolean raw() {
            return false;
        }
    }
}
