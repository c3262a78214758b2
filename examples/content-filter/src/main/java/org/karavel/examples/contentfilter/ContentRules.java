package org.karavel.examples.contentfilter;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The rules of one configuration, applied to one message. Plain Java so that tests need no
 * framework. A pattern that does not compile is reported and left out: a typo must not stop mail.
 */
final class ContentRules {
    /** A MIME {@code name=} or {@code filename=} parameter (RFC 2231 {@code filename*=} too). */
    private static final Pattern FILE_NAME =
            Pattern.compile("(?i)\\b(?:file)?name\\*?(?:\\*\\d+\\*?)?\\s*=\\s*\"?([^\";\\r\\n]+)");

    private final List<Pattern> subjectPatterns;
    private final List<Pattern> bodyPatterns;
    private final Set<String> blockedExtensions;
    private final long maxScanBytes;
    private final List<String> problems = new ArrayList<>();

    ContentRules(String[] subjectPatterns, String[] bodyPatterns, String[] blockedExtensions, long maxScanBytes) {
        this.subjectPatterns = compile("subject_patterns", subjectPatterns);
        this.bodyPatterns = compile("body_patterns", bodyPatterns);
        Set<String> extensions = new TreeSet<>();
        for (String e : split(blockedExtensions)) {
            extensions.add(e.toLowerCase(Locale.ROOT).replaceFirst("^\\.", ""));
        }
        this.blockedExtensions = Set.copyOf(extensions);
        this.maxScanBytes = maxScanBytes;
    }

    /** Configuration entries that were left out, one message each, for the log. */
    List<String> problems() {
        return List.copyOf(problems);
    }

    /** The first rule the Subject breaks, if any. */
    Optional<String> checkSubject(List<String> subjects) {
        for (String subject : subjects) {
            for (Pattern p : subjectPatterns) {
                if (p.matcher(subject).find()) {
                    return Optional.of("subject matches /" + p.pattern() + "/");
                }
            }
        }
        return Optional.empty();
    }

    /** Whether the content needs reading at all (no body rule means no disk read). */
    boolean scansContent() {
        return !bodyPatterns.isEmpty() || !blockedExtensions.isEmpty();
    }

    /** The first rule the message content breaks, if any; reads at most the scan limit. */
    Optional<String> checkContent(InputStream content) throws IOException {
        // ISO-8859-1 maps every octet to one char, so any 8-bit content reads without errors
        BufferedReader reader = new BufferedReader(new InputStreamReader(content, StandardCharsets.ISO_8859_1));
        long read = 0;
        for (String line = reader.readLine(); line != null && read < maxScanBytes; line = reader.readLine()) {
            read += line.length() + 2;
            for (Pattern p : bodyPatterns) {
                if (p.matcher(line).find()) {
                    return Optional.of("body matches /" + p.pattern() + "/");
                }
            }
            if (!blockedExtensions.isEmpty()) {
                Matcher m = FILE_NAME.matcher(line);
                while (m.find()) {
                    String name = m.group(1).strip();
                    int dot = name.lastIndexOf('.');
                    if (dot >= 0
                            && blockedExtensions.contains(
                                    name.substring(dot + 1).toLowerCase(Locale.ROOT))) {
                        return Optional.of("attachment type ."
                                + name.substring(dot + 1).toLowerCase(Locale.ROOT) + " not allowed");
                    }
                }
            }
        }
        return Optional.empty();
    }

    private List<Pattern> compile(String key, String[] values) {
        List<Pattern> out = new ArrayList<>();
        for (String v : values == null ? new String[0] : values) {
            if (v == null || v.isBlank()) {
                continue;
            }
            try {
                out.add(Pattern.compile(v.strip(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
            } catch (PatternSyntaxException e) {
                problems.add(key + ": ignoring '" + v + "': " + e.getDescription());
            }
        }
        return List.copyOf(out);
    }

    /** A .cfg file gives {@code a, b, c} as one string; a list property gives several. */
    private static List<String> split(String[] values) {
        List<String> out = new ArrayList<>();
        for (String v : values == null ? new String[0] : values) {
            for (String part : v == null ? new String[0] : v.split("[,\\s]+")) {
                if (!part.isEmpty()) {
                    out.add(part);
                }
            }
        }
        return out;
    }
}
