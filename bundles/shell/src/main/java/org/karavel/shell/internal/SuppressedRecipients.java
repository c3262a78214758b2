package org.karavel.shell.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.karavel.api.suppression.Suppression;
import org.karavel.api.suppression.SuppressionCsv;
import org.karavel.api.suppression.SuppressionList;
import org.karavel.api.suppression.SuppressionPage;
import org.karavel.api.suppression.SuppressionQuery;

/**
 * What the {@code mta:suppression-*} commands do, apart from the shell: list, add, remove, import
 * and export entries of the suppression list. Errors are one line on {@code err} naming the command
 * and what was wrong; the return value says whether it worked.
 */
public final class SuppressedRecipients {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

    private final SuppressionList list;
    private final ZoneId zone;

    public SuppressedRecipients(SuppressionList list, ZoneId zone) {
        this.list = list;
        this.zone = zone;
    }

    /** @return how many entries were listed */
    public int list(SuppressionQuery query, PrintStream out) {
        SuppressionPage page = list.list(query);
        if (page.entries().isEmpty()) {
            out.println(
                    query.after().isEmpty()
                                    && query.address().isEmpty()
                                    && query.category().isEmpty()
                            ? "The suppression list is empty."
                            : "No entries match.");
            return 0;
        }
        int width = Math.max(
                7,
                page.entries().stream()
                        .mapToInt(s -> s.address().length())
                        .max()
                        .orElse(0));
        String format = "%-" + width + "s  %-18s  %-16s  %-16s  %-12s  %s%n";
        out.printf(format, "ADDRESS", "CATEGORY", "CREATED", "EXPIRES", "SOURCE", "REASON");
        for (Suppression s : page.entries()) {
            out.printf(
                    format,
                    s.address(),
                    s.category(),
                    TIME.format(s.created().atZone(zone)),
                    s.expires() == null ? "never" : TIME.format(s.expires().atZone(zone)),
                    s.source(),
                    s.reason());
        }
        int n = page.entries().size();
        out.println("-- " + n + (n == 1 ? " entry" : " entries") + " of " + list.count() + " stored"
                + (page.next().isEmpty() ? "." : "; more with --after " + page.next()));
        return n;
    }

    /** @return whether the entry was added */
    public boolean add(String address, String reason, String expires, Instant now, PrintStream out, PrintStream err) {
        try {
            Instant until = expiry(expires, now);
            Suppression s = list.add(Suppression.manual(address, reason, now, until, "shell"));
            out.println("Suppressed " + s.address()
                    + (until == null ? " (never expires)." : " until " + TIME.format(until.atZone(zone)) + "."));
            return true;
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("suppression-add: " + e.getMessage());
            return false;
        }
    }

    /** @return whether an entry was removed */
    public boolean remove(String address, PrintStream out, PrintStream err) {
        try {
            if (list.remove(address)) {
                out.println("Removed " + Suppression.key(address) + " from the suppression list.");
                return true;
            }
            err.println("suppression-remove: " + address + " is not suppressed");
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("suppression-remove: " + e.getMessage());
        }
        return false;
    }

    /** @return how many entries were imported, -1 when nothing was (a bad line, an unreadable file) */
    public int importFile(Path file, Instant now, PrintStream out, PrintStream err) {
        List<Suppression> entries;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            entries = SuppressionCsv.read(in, now, "import");
        } catch (IOException e) {
            err.println("suppression-import: cannot read " + file + ": " + e.getMessage());
            return -1;
        } catch (IllegalArgumentException e) {
            err.println("suppression-import: " + file + ": " + e.getMessage() + "; nothing imported");
            return -1;
        }
        try {
            int n = list.importEntries(entries);
            out.println("Imported " + n + (n == 1 ? " entry" : " entries") + " from " + file + ".");
            return n;
        } catch (IllegalStateException e) {
            err.println("suppression-import: " + e.getMessage());
            return -1;
        }
    }

    /** @return how many entries were written, -1 when the file could not be */
    public int exportFile(Path file, boolean overwrite, PrintStream out, PrintStream err) {
        StandardOpenOption create = overwrite ? StandardOpenOption.CREATE : StandardOpenOption.CREATE_NEW;
        try (Writer w = Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, create, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            SuppressionCsv.Writing csv = SuppressionCsv.writer(w);
            list.exportEntries(csv);
            out.println("Exported " + csv.count() + (csv.count() == 1 ? " entry" : " entries") + " to " + file + ".");
            return csv.count();
        } catch (FileAlreadyExistsException e) {
            err.println("suppression-export: " + file + " exists; give --force to overwrite it");
        } catch (IOException | UncheckedIOException e) {
            err.println("suppression-export: cannot write " + file + ": " + e.getMessage());
        } catch (IllegalStateException e) {
            err.println("suppression-export: " + e.getMessage());
        }
        return -1;
    }

    static Instant expiry(String text, Instant now) {
        return Suppression.parseExpiry(text, now);
    }
}
