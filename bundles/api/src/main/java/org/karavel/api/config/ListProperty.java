package org.karavel.api.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A list-valued configuration property as Config Admin hands it over: a .cfg file gives
 * {@code local_domains = a.example, b.example} as one string, a .config file or the shell as an
 * array whose elements may again hold several entries. Entries are separated by commas and white
 * space; empty entries are left out.
 */
public final class ListProperty {
    private static final Pattern SEPARATORS = Pattern.compile("[,\\s]+");

    private ListProperty() {}

    /**
     * The entries of the values, in order, repeats kept (callers that want a set make one); null
     * values, and a null array, give no entries.
     */
    public static List<String> entries(String... values) {
        List<String> out = new ArrayList<>();
        if (values == null) {
            return out;
        }
        for (String value : values) {
            if (value == null) {
                continue;
            }
            for (String entry : SEPARATORS.split(value)) {
                String e = entry.strip();
                if (!e.isEmpty()) {
                    out.add(e);
                }
            }
        }
        return out;
    }
}
