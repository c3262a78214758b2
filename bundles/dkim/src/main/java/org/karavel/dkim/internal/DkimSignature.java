package org.karavel.dkim.internal;

import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A parsed DKIM-Signature field (RFC 6376 §3.5). Parsing checks the syntax and the rules a verifier
 * must apply before asking DNS (§6.1.1); whether the algorithm is acceptable is left to the caller.
 *
 * @param field the field as received, for the header hash
 * @param algorithm the a= tag in lower case, e.g. {@code rsa-sha256}
 * @param signature the b= octets
 * @param bodyHash the bh= octets
 * @param signedHeaders the h= names in order, as given
 * @param identity the i= value (default {@code @d})
 * @param bodyLength the l= value, -1 when absent
 * @param timestamp the t= value, -1 when absent
 * @param expiration the x= value, -1 when absent
 */
public record DkimSignature(
        HeaderField field,
        String algorithm,
        byte[] signature,
        byte[] bodyHash,
        Canonicalization headerCanonicalization,
        Canonicalization bodyCanonicalization,
        String domain,
        String selector,
        List<String> signedHeaders,
        String identity,
        long bodyLength,
        long timestamp,
        long expiration,
        String rawB) {

    /** A signature field that cannot be used (PERMFAIL before any DNS question). */
    public static final class SyntaxException extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxException(String message) {
            super(message);
        }
    }

    /** The header and body canonicalization of c= ({@code simple/simple} when absent). */
    private static Canonicalization[] canonicalization(Optional<String> c) throws SyntaxException {
        if (c.isEmpty()) {
            return new Canonicalization[] {Canonicalization.SIMPLE, Canonicalization.SIMPLE};
        }
        try {
            String[] parts = c.get().split("/", -1);
            if (parts.length > 2) {
                throw new IllegalArgumentException("c=" + c.get());
            }
            return new Canonicalization[] {
                Canonicalization.parse(parts[0]),
                parts.length == 2 ? Canonicalization.parse(parts[1]) : Canonicalization.SIMPLE
            };
        } catch (IllegalArgumentException e) {
            throw new SyntaxException("unknown canonicalization " + c.get());
        }
    }

    /** Parses and checks a DKIM-Signature field. */
    public static DkimSignature parse(HeaderField field) throws SyntaxException {
        TagList tags;
        try {
            tags = TagList.parse(field.value());
        } catch (IllegalArgumentException e) {
            throw new SyntaxException("signature syntax error: " + e.getMessage());
        }
        for (String required : List.of("v", "a", "b", "bh", "d", "h", "s")) {
            if (!tags.has(required)) {
                throw new SyntaxException("signature missing required tag " + required + "=");
            }
        }
        if (!"1".equals(tags.get("v").orElseThrow())) {
            throw new SyntaxException("incompatible signature version");
        }
        String algorithm = tags.get("a").orElseThrow().toLowerCase(Locale.ROOT);
        byte[] b = base64(tags.getCompact("b").orElseThrow(), "b");
        byte[] bh = base64(tags.getCompact("bh").orElseThrow(), "bh");
        Canonicalization[] c = canonicalization(tags.get("c"));
        Canonicalization hc = c[0];
        Canonicalization bc = c[1];
        String domain = tags.get("d").orElseThrow().toLowerCase(Locale.ROOT);
        if (domain.isEmpty() || domain.startsWith(".") || domain.endsWith(".")) {
            throw new SyntaxException("invalid d= domain");
        }
        String selector = tags.get("s").orElseThrow();
        if (!selector.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*")) {
            throw new SyntaxException("invalid s= selector");
        }
        List<String> headers = Arrays.stream(tags.get("h").orElseThrow().split(":"))
                .map(h -> h.replaceAll("[ \t\r\n]", ""))
                .toList();
        if (headers.stream().anyMatch(String::isEmpty)) {
            throw new SyntaxException("empty name in h=");
        }
        if (headers.stream().noneMatch(h -> h.equalsIgnoreCase("from"))) {
            throw new SyntaxException("From field not signed");
        }
        String identity = tags.get("i").orElse("@" + domain);
        int at = identity.lastIndexOf('@');
        if (at < 0) {
            throw new SyntaxException("invalid i= identity");
        }
        String iDomain = identity.substring(at + 1).toLowerCase(Locale.ROOT);
        if (!iDomain.equals(domain) && !iDomain.endsWith("." + domain)) {
            throw new SyntaxException("domain mismatch between i= and d=");
        }
        Optional<String> q = tags.get("q");
        if (q.isPresent()
                && Arrays.stream(q.get().split(":")).map(String::strip).noneMatch("dns/txt"::equalsIgnoreCase)) {
            throw new SyntaxException("unsupported query method " + q.get());
        }
        long l = number(tags, "l");
        long t = number(tags, "t");
        long x = number(tags, "x");
        if (x >= 0 && t >= 0 && x < t) {
            throw new SyntaxException("x= before t=");
        }
        return new DkimSignature(
                field,
                algorithm,
                b,
                bh,
                hc,
                bc,
                domain,
                selector,
                headers,
                identity,
                l,
                t,
                x,
                tags.getCompact("b").orElseThrow());
    }

    private static long number(TagList tags, String name) throws SyntaxException {
        Optional<String> v = tags.get(name);
        if (v.isEmpty()) {
            return -1;
        }
        if (!v.get().matches("\\d{1,76}")) {
            throw new SyntaxException("invalid " + name + "= value");
        }
        try {
            return Long.parseLong(v.get());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // more digits than a long: far in the future, or absurdly long
        }
    }

    private static byte[] base64(String value, String tag) throws SyntaxException {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new SyntaxException("invalid base64 in " + tag + "=");
        }
    }

    /** The JDK digest name for the body hash of this algorithm, or empty when unknown. */
    public Optional<String> digestAlgorithm() {
        return switch (algorithm) {
            case "rsa-sha256", "ed25519-sha256" -> Optional.of("SHA-256");
            case "rsa-sha1" -> Optional.of("SHA-1");
            default -> Optional.empty();
        };
    }

    /** The key type the algorithm needs: {@code rsa} or {@code ed25519}. */
    public String keyType() {
        return algorithm.startsWith("ed25519-") ? "ed25519" : "rsa";
    }

    /** The name of the key record: {@code selector._domainkey.domain}. */
    public String keyName() {
        return selector + "._domainkey." + domain;
    }

    public BodyHash.Key bodyHashKey() {
        return new BodyHash.Key(bodyCanonicalization, digestAlgorithm().orElse("SHA-256"), bodyLength);
    }

    /** The first 8 characters of b=, to tell signatures apart in Authentication-Results (RFC 6008). */
    public String shortB() {
        return rawB.length() <= 8 ? rawB : rawB.substring(0, 8);
    }
}
