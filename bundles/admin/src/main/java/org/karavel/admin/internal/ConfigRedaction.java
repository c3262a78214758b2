package org.karavel.admin.internal;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The configuration as the API shows it: every value whose key names a secret (password, secret,
 * token, DQS or API key, private key) is replaced by {@code ***}, so that neither the value nor its
 * length leaves the server, unless it is nothing but a reference ({@code $[secret:dqs]},
 * {@code $[env:DQS_KEY]}) that Config Admin's interpolation resolves for the component only: the
 * reference is shown, as Config Admin stores it.
 */
final class ConfigRedaction {
    static final String REDACTED = "***";
    /**
     * Keys whose values are secrets. {@code key_file} or {@code dkim_key_dir} are paths and stay
     * visible, and so does dnsbl's {@code pass_list} (a plain "pass" would hide it): "pass" counts
     * as a word of its own ({@code smtp_pass}) or as the start of password, passwd, passphrase.
     */
    private static final Pattern SECRET_KEY =
            Pattern.compile("(?i)(passw|passphrase|(^|[._])pass$|secret|token|dqs_key|api_key|private_key|credential)");

    /** One interpolation reference without directives (a ";default=" could hold the secret itself). */
    private static final Pattern REFERENCE = Pattern.compile("\\$\\[(secret|env):[A-Za-z0-9_.-]{1,200}\\]");

    private ConfigRedaction() {}

    static boolean isSecret(String key) {
        return SECRET_KEY.matcher(key).find();
    }

    /** The properties sorted by key, secrets redacted, arrays and collections as lists, other values as text. */
    static Map<String, Object> redact(Map<String, Object> properties) {
        Map<String, Object> out = new TreeMap<>();
        properties.forEach(
                (key, value) -> out.put(key, isSecret(key) && !isReference(value) ? REDACTED : plain(value)));
        return out;
    }

    static boolean isReference(Object value) {
        return value instanceof String text && REFERENCE.matcher(text.strip()).matches();
    }

    private static Object plain(Object value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        if (value.getClass().isArray()) {
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < Array.getLength(value); i++) {
                list.add(plain(Array.get(value, i)));
            }
            return list;
        }
        if (value instanceof Collection<?> c) {
            List<Object> list = new ArrayList<>();
            for (Object o : c) {
                list.add(plain(o));
            }
            return list;
        }
        return value.toString();
    }
}
