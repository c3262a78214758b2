package org.karavel.delivery.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test's reading of a DSN: top-level headers, the MIME parts of the multipart/report, and the
 * field groups of the delivery-status part (per-message first, then one per recipient).
 */
final class ParsedReport {
    record Part(Map<String, String> headers, String body) {
        String contentType() {
            return headers.getOrDefault("content-type", "");
        }
    }

    final Map<String, String> headers;
    final List<Part> parts;

    private ParsedReport(Map<String, String> headers, List<Part> parts) {
        this.headers = headers;
        this.parts = parts;
    }

    static ParsedReport parse(String text) {
        int split = text.indexOf("\r\n\r\n");
        Map<String, String> headers = fields(text.substring(0, split));
        String body = text.substring(split + 4);
        Matcher m = Pattern.compile("boundary=\"([^\"]+)\"").matcher(headers.getOrDefault("content-type", ""));
        if (!m.find()) {
            throw new IllegalArgumentException("no boundary in " + headers.get("content-type"));
        }
        String delimiter = "--" + m.group(1);
        List<Part> parts = new ArrayList<>();
        String[] chunks = ("\r\n" + body).split(Pattern.quote("\r\n" + delimiter), -1);
        // chunks[0] is the preamble; the last starts with "--" (close delimiter)
        for (int i = 1; i < chunks.length; i++) {
            String c = chunks[i];
            if (c.startsWith("--")) {
                break;
            }
            c = c.substring(2); // CRLF after the delimiter
            int e = c.indexOf("\r\n\r\n");
            parts.add(new Part(fields(c.substring(0, e)), c.substring(e + 4)));
        }
        return new ParsedReport(headers, parts);
    }

    /** The field groups of a message/delivery-status body, separated by empty lines. */
    static List<Map<String, String>> groups(String deliveryStatus) {
        List<Map<String, String>> groups = new ArrayList<>();
        for (String g : deliveryStatus.split("\r\n\r\n")) {
            if (!g.isBlank()) {
                groups.add(fields(g));
            }
        }
        return groups;
    }

    /** Header fields, unfolded, names in lower case. */
    static Map<String, String> fields(String block) {
        Map<String, String> f = new LinkedHashMap<>();
        String unfolded = block.replaceAll("\r\n[ \t]+", " ");
        for (String line : unfolded.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                f.put(
                        line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        line.substring(colon + 1).trim());
            }
        }
        return f;
    }
}
