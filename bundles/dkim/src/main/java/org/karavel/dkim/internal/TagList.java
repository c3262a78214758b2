package org.karavel.dkim.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A tag=value list (RFC 6376 §3.2), the syntax of DKIM-Signature fields, DKIM key records and DMARC
 * records. Tag names are case-sensitive, values are kept with folding whitespace removed at both ends.
 */
public final class TagList {
    private final Map<String, String> tags;

    private TagList(Map<String, String> tags) {
        this.tags = Collections.unmodifiableMap(tags);
    }

    /**
     * Parses a tag list.
     *
     * @throws IllegalArgumentException on a tag without '=', an invalid tag name or a duplicate tag
     */
    public static TagList parse(String text) {
        Map<String, String> tags = new LinkedHashMap<>();
        String[] specs = text.split(";", -1);
        for (int i = 0; i < specs.length; i++) {
            String spec = specs[i];
            if (spec.isBlank()) {
                if (i == specs.length - 1) {
                    break; // a trailing ';' is allowed
                }
                throw new IllegalArgumentException("empty tag in tag list");
            }
            int eq = spec.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("tag without '=': " + spec.strip());
            }
            String name = fws(spec.substring(0, eq));
            if (!name.matches("[A-Za-z][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("invalid tag name: " + name);
            }
            if (tags.putIfAbsent(name, fws(spec.substring(eq + 1))) != null) {
                throw new IllegalArgumentException("duplicate tag: " + name);
            }
        }
        return new TagList(tags);
    }

    /** Strips folding whitespace (SP, TAB, CR, LF) at both ends. */
    private static String fws(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && isFws(s.charAt(b))) {
            b++;
        }
        while (e > b && isFws(s.charAt(e - 1))) {
            e--;
        }
        return s.substring(b, e);
    }

    private static boolean isFws(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(tags.get(name));
    }

    /** The value with every folding whitespace removed (base64 values such as b= and p=). */
    public Optional<String> getCompact(String name) {
        return get(name).map(v -> v.replaceAll("[ \t\r\n]", ""));
    }

    public boolean has(String name) {
        return tags.containsKey(name);
    }

    /** The tag names in the order given. */
    public Set<String> names() {
        return tags.keySet();
    }

    /** The first tag's name, for records that must start with v=. */
    public Optional<String> firstName() {
        return tags.keySet().stream().findFirst();
    }
}
