package org.karavel.shell.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Options written after the arguments ({@code mta:dkim-keygen example.com sel --algorithm ed25519}):
 * Karaf's parser takes options only before the arguments, so commands that document the usual
 * order collect all words as arguments and split them here.
 *
 * @param arguments the words that are not options, in order
 * @param options option name (as written, e.g. {@code --bits}) to value
 */
record TrailingOptions(List<String> arguments, Map<String, String> options) {
    /**
     * @param valued the option names that take a value (long and short forms)
     * @throws IllegalArgumentException for an unknown option or one without its value
     */
    static TrailingOptions parse(List<String> words, Set<String> valued) {
        List<String> arguments = new ArrayList<>();
        Map<String, String> options = new HashMap<>();
        for (int i = 0; words != null && i < words.size(); i++) {
            String w = words.get(i);
            if (w.startsWith("-") && w.length() > 1) {
                String name = w;
                String value = null;
                int eq = w.indexOf('=');
                if (eq > 0) {
                    name = w.substring(0, eq);
                    value = w.substring(eq + 1);
                }
                if (!valued.contains(name)) {
                    throw new IllegalArgumentException("unknown option " + name);
                }
                if (value == null) {
                    if (i + 1 >= words.size()) {
                        throw new IllegalArgumentException("option " + name + " needs a value");
                    }
                    value = words.get(++i);
                }
                options.put(name, value);
            } else {
                arguments.add(w);
            }
        }
        return new TrailingOptions(List.copyOf(arguments), Map.copyOf(options));
    }

    /** The value of the first of these names given, or the default. */
    String option(String defaultValue, String... names) {
        for (String n : names) {
            if (options.containsKey(n)) {
                return options.get(n);
            }
        }
        return defaultValue;
    }
}
