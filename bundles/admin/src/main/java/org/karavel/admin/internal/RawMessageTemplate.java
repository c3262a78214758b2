package org.karavel.admin.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.karavel.admin.internal.TemplateDialect.Template;

/**
 * A whole RFC 5322 message as the template ({@code content}). Each line of the header section is a
 * template of its own, so that a substitution can never add a line there (a section that opens on
 * one header line must close on it); the body is one template, rendered without HTML escaping
 * (Karavel does not parse the MIME structure the client wrote).
 */
final class RawMessageTemplate extends MessageTemplate {
    private static final Pattern FIELD_START = Pattern.compile("[!-9;-~]+:.*", Pattern.DOTALL);

    private final List<Template> headerLines;
    private final Template body;

    private RawMessageTemplate(List<Template> headerLines, Template body) {
        this.headerLines = headerLines;
        this.body = body;
    }

    static RawMessageTemplate of(String content, TemplateDialect dialect) {
        String text = content.replaceAll("\r\n|\r", "\n");
        int end = text.indexOf("\n\n");
        String header = end < 0 ? text : text.substring(0, end);
        String rest = end < 0 ? "" : text.substring(end + 2);
        if (header.isEmpty()) {
            throw ApiError.badRequest("content: must start with header fields (Name: value)");
        }
        List<Template> lines = new ArrayList<>();
        String[] split = header.split("\n", -1);
        for (int i = 0; i < split.length; i++) {
            String line = split[i];
            boolean continuation = !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
            if (i == 0
                    ? !FIELD_START.matcher(line).matches()
                    : !continuation && !FIELD_START.matcher(line).matches()) {
                throw ApiError.badRequest("content: header line " + (i + 1) + " is not a header field (Name: value): "
                        + abbreviated(line));
            }
            lines.add(dialect.compile("content (header line " + (i + 1) + ")", line, false));
        }
        return new RawMessageTemplate(lines, dialect.compile("content (body)", rest, false));
    }

    @Override
    List<String> header(List<Object> scopes, String recipient) {
        List<String> out = new ArrayList<>(headerLines.size());
        for (int i = 0; i < headerLines.size(); i++) {
            String line = headerLines.get(i).render(scopes);
            String field = "content (header line " + (i + 1) + ")";
            for (int c = 0; c < line.length(); c++) {
                char ch = line.charAt(c);
                if (ch == '\r' || ch == '\n') {
                    throw ApiError.badRequest(recipient + ".substitutions: would put a line break into " + field);
                }
            }
            boolean continuation = !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
            if (!continuation && !FIELD_START.matcher(line).matches() || i == 0 && continuation) {
                throw ApiError.badRequest(
                        recipient + ".substitutions: " + field + " is no header field once filled in");
            }
            if (line.length() > MAX_LINE) {
                throw ApiError.badRequest(
                        recipient + ": " + field + " would be longer than " + MAX_LINE + " characters");
            }
            out.add(line);
        }
        return out;
    }

    @Override
    String rest(List<Object> scopes, String boundarySeed) {
        return "\r\n" + MimeText.crlf(body.render(scopes));
    }

    @Override
    boolean raw() {
        return true;
    }

    private static String abbreviated(String line) {
        return line.length() > 60 ? line.substring(0, 60) + "..." : line;
    }
}
