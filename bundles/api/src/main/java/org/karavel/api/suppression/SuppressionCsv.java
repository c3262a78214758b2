package org.karavel.api.suppression;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The import/export format of the suppression list: CSV (RFC 4180) with the header line
 *
 * <pre>address,reason,category,created,expires,source</pre>
 *
 * times in ISO 8601 UTC ({@code 2026-12-07T12:00:00Z}), an empty {@code expires} for an entry that
 * never expires. Reading is lenient where it is safe: the header may be left out, later columns
 * may be missing (only {@code address} is required), blank lines and lines starting with {@code #}
 * are skipped, an empty {@code created} means now and an empty {@code category} {@link
 * Suppression#MANUAL}. A bad line stops the whole import with an {@link IllegalArgumentException}
 * naming its number and field, so that nothing is half imported.
 */
public final class SuppressionCsv {
    /** The header line, without the line end. */
    public static final String HEADER = "address,reason,category,created,expires,source";

    private static final int COLUMNS = 6;

    private SuppressionCsv() {}

    /** One entry as a CSV line, without the line end. */
    public static String line(Suppression s) {
        return String.join(
                ",",
                quote(s.address()),
                quote(s.reason()),
                quote(s.category()),
                s.created().toString(),
                s.expires() == null ? "" : s.expires().toString(),
                quote(s.source()));
    }

    /** Writes the header line and then one line per entry handed to the returned consumer. */
    public static Writing writer(Writer out) {
        return new Writing(out);
    }

    /** A CSV being written: the header is out, each {@link #accept} adds a line (CRLF ends). */
    public static final class Writing implements Consumer<Suppression> {
        private final Writer out;
        private int count;

        private Writing(Writer out) {
            this.out = out;
            write(HEADER);
        }

        @Override
        public void accept(Suppression s) {
            write(line(s));
            count++;
        }

        /** How many entries were written. */
        public int count() {
            return count;
        }

        private void write(String line) {
            try {
                out.write(line);
                out.write("\r\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Reads every entry.
     *
     * @param now the {@code created} of entries that have none
     * @param defaultSource the {@code source} of entries that have none
     * @throws IllegalArgumentException "line N: field: ..." for the first bad line
     * @throws IOException when the reader fails
     */
    public static List<Suppression> read(Reader in, Instant now, String defaultSource) throws IOException {
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        List<Suppression> out = new ArrayList<>();
        int lineNo = 0;
        String raw;
        while ((raw = r.readLine()) != null) {
            lineNo++;
            int first = lineNo;
            StringBuilder record = new StringBuilder(raw);
            // a quoted field may hold a line end: read on until the quotes are balanced
            while (openQuote(record)) {
                String more = r.readLine();
                if (more == null) {
                    throw new IllegalArgumentException("line " + first + ": a quoted field is not closed");
                }
                lineNo++;
                record.append('\n').append(more);
            }
            String text = record.toString();
            if (text.isBlank() || text.startsWith("#") || (out.isEmpty() && isHeader(text))) {
                continue;
            }
            out.add(entry(fields(text, first), first, now, defaultSource));
        }
        return out;
    }

    private static boolean isHeader(String line) {
        String l = line.strip().toLowerCase(Locale.ROOT);
        return l.equals("address") || l.startsWith("address,");
    }

    private static Suppression entry(List<String> f, int line, Instant now, String defaultSource) {
        if (f.size() > COLUMNS) {
            throw new IllegalArgumentException(
                    "line " + line + ": " + f.size() + " fields, at most " + COLUMNS + " (" + HEADER + ")");
        }
        while (f.size() < COLUMNS) {
            f.add("");
        }
        try {
            String category = f.get(2).strip();
            String source = f.get(5).strip();
            return new Suppression(
                    f.get(0),
                    f.get(1),
                    category.isEmpty() ? Suppression.MANUAL : category,
                    f.get(3).isBlank() ? now : time("created", f.get(3)),
                    f.get(4).isBlank() ? null : time("expires", f.get(4)),
                    source.isEmpty() ? defaultSource : source);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("line " + line + ": " + e.getMessage(), e);
        }
    }

    private static Instant time(String field, String value) {
        try {
            return Instant.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    field + ": '" + value.strip() + "' is not an ISO 8601 UTC time such as 2026-12-07T12:00:00Z", e);
        }
    }

    private static boolean openQuote(CharSequence s) {
        int quotes = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '"') {
                quotes++;
            }
        }
        return quotes % 2 != 0;
    }

    /** The fields of one record; {@code ""} inside a quoted field is one quote. */
    private static List<String> fields(String record, int line) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < record.length(); i++) {
            char c = record.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < record.length() && record.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.toString().isBlank() && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
                field.setLength(0);
            } else if (c == ',') {
                out.add(field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else if (wasQuoted && c != ' ') {
                throw new IllegalArgumentException(
                        "line " + line + ": text after the closing quote of field " + (out.size() + 1));
            } else if (!wasQuoted) {
                field.append(c);
            }
        }
        out.add(field.toString());
        return out;
    }

    private static String quote(String s) {
        boolean needs = s.indexOf(',') >= 0
                || s.indexOf('"') >= 0
                || s.indexOf('\n') >= 0
                || s.indexOf('\r') >= 0
                || (!s.isEmpty() && (s.charAt(0) == ' ' || s.charAt(s.length() - 1) == ' '));
        return needs ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
