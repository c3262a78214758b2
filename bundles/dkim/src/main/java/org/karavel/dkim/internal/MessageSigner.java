package org.karavel.dkim.internal;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Makes DKIM-Signature fields (RFC 6376 §5, RFC 8463): relaxed/relaxed, SHA-256, the usual header
 * set with the fields a message must have at most once oversigned (named once more than present,
 * so that adding one breaks the signature), t= and an optional x=. Uses the same canonicalization and
 * header-hash code as the verifier, so both agree byte for byte.
 */
final class MessageSigner {
    /**
     * Signed, and oversigned, whether present or not: an absent one is then signed as absent. From
     * first; all of them are fields RFC 5322 allows at most once, so a second one is an attack.
     */
    static final List<String> OVERSIGNED = List.of(
            "from",
            "sender",
            "reply-to",
            "to",
            "cc",
            "subject",
            "date",
            "message-id",
            "in-reply-to",
            "references",
            "mime-version",
            "content-type",
            "content-transfer-encoding");
    /** Signed and oversigned when present (mailing-list fields: List-Unsubscribe must not be slipped in). */
    static final List<String> LIST_FIELDS = List.of(
            "list-id",
            "list-help",
            "list-unsubscribe",
            "list-unsubscribe-post",
            "list-subscribe",
            "list-post",
            "list-owner",
            "list-archive");

    private static final int LINE = 76;

    private MessageSigner() {}

    /** The h= names for this header: each chosen name once per instance present, plus once more. */
    static List<String> signedNames(List<HeaderField> headers) {
        Map<String, Integer> present = new LinkedHashMap<>();
        for (HeaderField f : headers) {
            present.merge(f.lowerName(), 1, Integer::sum);
        }
        List<String> names = new ArrayList<>();
        for (String name : OVERSIGNED) {
            for (int i = 0; i <= present.getOrDefault(name, 0); i++) {
                names.add(name);
            }
        }
        for (String name : LIST_FIELDS) {
            int n = present.getOrDefault(name, 0);
            for (int i = 0; n > 0 && i <= n; i++) {
                names.add(name);
            }
        }
        return names;
    }

    /**
     * One complete DKIM-Signature field, folded, ending in CRLF.
     *
     * @param timestamp t= in seconds since the epoch
     * @param expiration x=, or -1 for none
     */
    static String sign(SigningKey key, List<HeaderField> headers, byte[] bodyHash, long timestamp, long expiration)
            throws GeneralSecurityException {
        List<String> names = signedNames(headers);
        String unsigned = unsignedField(key, names, bodyHash, timestamp, expiration);
        byte[] b = signature(key.algorithm(), key.key(), headers, names, unsigned);
        return withSignature(unsigned, b) + "\r\n";
    }

    /** The field with every tag but b='s value, folded; b= comes last and empty. */
    static String unsignedField(SigningKey key, List<String> names, byte[] bodyHash, long timestamp, long expiration) {
        List<String> tags = new ArrayList<>();
        tags.add("v=1");
        tags.add("a=" + key.signatureAlgorithm());
        tags.add("c=relaxed/relaxed");
        tags.add("d=" + key.domain());
        tags.add("s=" + key.selector());
        tags.add("t=" + timestamp);
        if (expiration >= 0) {
            tags.add("x=" + expiration);
        }
        tags.add("h=" + String.join(":", names));
        tags.add("bh=" + Base64.getEncoder().encodeToString(bodyHash));
        StringBuilder field = new StringBuilder("DKIM-Signature:");
        int lineLength = field.length();
        for (String tag : tags) {
            String piece = tag + ";";
            if (lineLength + 1 + piece.length() > LINE) {
                if (tag.startsWith("h=")) {
                    // the h= list is folded at its colons (FWS is allowed around the names)
                    field.append("\r\n\t");
                    lineLength = 1;
                    String[] parts = piece.split(":", -1);
                    for (int i = 0; i < parts.length; i++) {
                        String part = parts[i] + (i < parts.length - 1 ? ":" : "");
                        if (lineLength + part.length() > LINE) {
                            field.append("\r\n\t");
                            lineLength = 1;
                        }
                        field.append(part);
                        lineLength += part.length();
                    }
                    continue;
                }
                field.append("\r\n\t");
                lineLength = 1;
            } else {
                field.append(' ');
                lineLength++;
            }
            field.append(piece);
            lineLength += piece.length();
        }
        field.append("\r\n\tb=");
        return field.toString();
    }

    /**
     * The b= octets for a field whose b= is empty: RSASSA-PKCS1-v1_5 with SHA-256 over the header hash
     * input, or (RFC 8463 §3) PureEd25519 over the SHA-256 digest of that input.
     *
     * @param unsignedField the field as it will be sent, with the value of b= empty, without the final CRLF
     */
    static byte[] signature(
            String algorithm, PrivateKey key, List<HeaderField> headers, List<String> names, String unsignedField)
            throws GeneralSecurityException {
        byte[] input = HeaderHashInput.build(headers, names, HeaderField.of(unsignedField), Canonicalization.RELAXED);
        Signature signer;
        byte[] data;
        if (algorithm.toLowerCase(Locale.ROOT).startsWith("ed25519")) {
            signer = Signature.getInstance("Ed25519");
            data = MessageDigest.getInstance("SHA-256").digest(input);
        } else {
            signer = Signature.getInstance("SHA256withRSA");
            data = input;
        }
        signer.initSign(key);
        signer.update(data);
        return signer.sign();
    }

    /** The field with b= filled in, folded every {@value #LINE} characters or so. */
    static String withSignature(String unsignedField, byte[] signature) {
        String b64 = Base64.getEncoder().encodeToString(signature);
        StringBuilder out = new StringBuilder(unsignedField);
        int lineLength = 3; // "\tb="
        for (int i = 0; i < b64.length(); ) {
            int room = LINE - lineLength;
            int n = Math.min(room, b64.length() - i);
            out.append(b64, i, i + n);
            i += n;
            if (i < b64.length()) {
                out.append("\r\n\t");
                lineLength = 1;
            }
        }
        return out.toString();
    }
}
