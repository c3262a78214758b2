package org.karavel.dkim.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The octets a DKIM signature signs besides the body hash (RFC 6376 §3.7): the fields named in h=,
 * each taken from the bottom up (a name listed twice takes the next instance up; a name with no
 * instance left adds nothing), then the DKIM-Signature field itself with the b= value emptied and
 * without its final CRLF, all canonicalized.
 */
public final class HeaderHashInput {
    private HeaderHashInput() {}

    /**
     * @param headers the message's header fields, top to bottom
     * @param signedNames the h= names
     * @param signatureField the DKIM-Signature field being verified (or being made, with {@code b=} empty)
     */
    public static byte[] build(
            List<HeaderField> headers,
            List<String> signedNames,
            HeaderField signatureField,
            Canonicalization canonicalization) {
        Map<String, Integer> used = new HashMap<>();
        StringBuilder sb = new StringBuilder();
        for (String name : signedNames) {
            String key = name.toLowerCase(Locale.ROOT);
            int skip = used.merge(key, 1, Integer::sum) - 1;
            HeaderField f = nthFromBottom(headers, key, skip);
            if (f != null) {
                sb.append(canonicalization.header(f.raw()));
            }
        }
        String own = canonicalization.header(withEmptyB(signatureField.raw()));
        sb.append(own, 0, own.length() - 2);
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static HeaderField nthFromBottom(List<HeaderField> headers, String lowerName, int n) {
        int seen = 0;
        for (int i = headers.size() - 1; i >= 0; i--) {
            if (headers.get(i).lowerName().equals(lowerName)) {
                if (seen++ == n) {
                    return headers.get(i);
                }
            }
        }
        return null;
    }

    /** The raw field with the value of the b= tag removed (everything else, folding included, kept). */
    public static String withEmptyB(String raw) {
        int colon = raw.indexOf(':');
        List<int[]> tags = new ArrayList<>();
        int start = colon + 1;
        for (int i = start; i <= raw.length(); i++) {
            if (i == raw.length() || raw.charAt(i) == ';') {
                tags.add(new int[] {start, i});
                start = i + 1;
            }
        }
        for (int[] t : tags) {
            String spec = raw.substring(t[0], t[1]);
            int eq = spec.indexOf('=');
            if (eq > 0 && spec.substring(0, eq).replaceAll("[ \t\r\n]", "").equals("b")) {
                int valueStart = t[0] + eq + 1;
                return raw.substring(0, valueStart) + raw.substring(t[1]);
            }
        }
        return raw;
    }
}
