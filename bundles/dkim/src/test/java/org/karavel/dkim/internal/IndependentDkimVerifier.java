package org.karavel.dkim.internal;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A second, deliberately plain DKIM verifier for the tests (relaxed/relaxed, rsa-sha256 and
 * ed25519-sha256 only), written from RFC 6376 §3.4.2, §3.4.4, §3.7 and RFC 8463 without any class of
 * the bundle, so that signer and verifier cannot share a mistake.
 */
final class IndependentDkimVerifier {
    private IndependentDkimVerifier() {}

    /** Whether the index-th DKIM-Signature field (from the top) verifies with this key record's p=. */
    static boolean verify(String message, int index, String keyRecord) throws Exception {
        int split = message.indexOf("\r\n\r\n");
        String headerBlock = message.substring(0, split + 2);
        String body = message.substring(split + 4);
        List<String> fields = new ArrayList<>();
        for (String line : headerBlock.split("\r\n")) {
            if (line.startsWith(" ") || line.startsWith("\t")) {
                fields.set(fields.size() - 1, fields.get(fields.size() - 1) + "\r\n" + line);
            } else {
                fields.add(line);
            }
        }
        List<String> signatures = fields.stream()
                .filter(f -> f.toLowerCase().startsWith("dkim-signature:"))
                .toList();
        String sigField = signatures.get(index);
        Map<String, String> tags = new LinkedHashMap<>();
        for (String spec : sigField.substring(sigField.indexOf(':') + 1).split(";")) {
            if (spec.isBlank()) {
                continue;
            }
            int eq = spec.indexOf('=');
            tags.put(spec.substring(0, eq).trim(), spec.substring(eq + 1).replaceAll("[\\s]", ""));
        }
        if (!"relaxed/relaxed".equals(tags.get("c"))) {
            throw new IllegalArgumentException("only relaxed/relaxed here");
        }
        // body hash
        byte[] bh =
                MessageDigest.getInstance("SHA-256").digest(relaxedBody(body).getBytes(StandardCharsets.ISO_8859_1));
        if (!Base64.getEncoder().encodeToString(bh).equals(tags.get("bh"))) {
            return false;
        }
        // header hash input: h= fields bottom-up, then the signature field with b= emptied, no CRLF
        StringBuilder input = new StringBuilder();
        Map<String, Integer> taken = new HashMap<>();
        for (String name : tags.get("h").split(":")) {
            String n = name.trim().toLowerCase();
            int skip = taken.merge(n, 1, Integer::sum) - 1;
            int seen = 0;
            for (int i = fields.size() - 1; i >= 0; i--) {
                String f = fields.get(i);
                if (f.substring(0, f.indexOf(':')).trim().equalsIgnoreCase(n) && seen++ == skip) {
                    input.append(relaxedHeader(f)).append("\r\n");
                    break;
                }
            }
        }
        String emptied = sigField.replaceAll("(;\\s*b=)[^;]*", "$1");
        input.append(relaxedHeader(emptied));
        byte[] data = input.toString().getBytes(StandardCharsets.ISO_8859_1);
        Map<String, String> key = new HashMap<>();
        for (String spec : keyRecord.split(";")) {
            int eq = spec.indexOf('=');
            key.put(spec.substring(0, eq).trim(), spec.substring(eq + 1).trim());
        }
        byte[] p = Base64.getDecoder().decode(key.get("p"));
        byte[] b = Base64.getDecoder().decode(tags.get("b"));
        Signature verifier;
        PublicKey publicKey;
        if (tags.get("a").equals("ed25519-sha256")) {
            byte[] spki = new byte[44];
            byte[] prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
            System.arraycopy(prefix, 0, spki, 0, 12);
            System.arraycopy(p, 0, spki, 12, 32);
            publicKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            verifier = Signature.getInstance("Ed25519");
            data = MessageDigest.getInstance("SHA-256").digest(data);
        } else {
            publicKey = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(p));
            verifier = Signature.getInstance("SHA256withRSA");
        }
        verifier.initVerify(publicKey);
        verifier.update(data);
        return verifier.verify(b);
    }

    /** RFC 6376 §3.4.2: lower-case name, unfold, WSP runs to one space, none around the colon or at the end. */
    static String relaxedHeader(String field) {
        int colon = field.indexOf(':');
        String name = field.substring(0, colon).trim().toLowerCase();
        String value = field.substring(colon + 1)
                .replace("\r\n", "")
                .replaceAll("[ \t]+", " ")
                .trim();
        return name + ":" + value;
    }

    /** RFC 6376 §3.4.4: WSP at line ends removed, WSP runs to one space, trailing empty lines removed. */
    static String relaxedBody(String body) {
        String[] lines = body.split("\r\n", -1);
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            out.add(line.replaceAll("[ \t]+", " ").replaceAll(" $", ""));
        }
        while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out.isEmpty() ? "" : String.join("\r\n", out) + "\r\n";
    }
}
