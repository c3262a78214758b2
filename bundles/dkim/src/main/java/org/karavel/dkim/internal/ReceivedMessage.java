package org.karavel.dkim.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A received message read once from its stream: the header fields kept whole (raw, for DKIM),
 * the DKIM signatures parsed, and every body hash those signatures need computed while the body
 * streams by (the body itself is not kept). Reading blocks on the stream: call it on a worker thread.
 *
 * @param headers the header fields, top to bottom
 * @param signatures one entry per DKIM-Signature field, top to bottom
 * @param bodyHashes the finished body hashes, by what they depend on
 * @param canonicalLengths the canonical body length, by the same keys (all of it, also past an l= limit)
 * @param headerTooLarge whether the header block was over the limit (then nothing is verified)
 */
public record ReceivedMessage(
        List<HeaderField> headers,
        List<SignatureField> signatures,
        Map<BodyHash.Key, byte[]> bodyHashes,
        Map<BodyHash.Key, Long> canonicalLengths,
        boolean headerTooLarge) {

    /** A DKIM-Signature field: parsed, or why it could not be. */
    public record SignatureField(HeaderField field, DkimSignature signature, String error) {}

    public static ReceivedMessage read(InputStream in, int maxHeaderBytes) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        // the header block ends at the first empty line (CRLF CRLF; a bare LF LF is tolerated)
        int last4 = 0;
        boolean tooLarge = false;
        boolean ended = false;
        int b;
        while ((b = in.read()) >= 0) {
            if (header.size() >= maxHeaderBytes) {
                tooLarge = true;
                break;
            }
            header.write(b);
            last4 = last4 << 8 | b;
            if (b == '\n'
                    && ((last4 & 0xffff) == 0x0a0a
                            || last4 == 0x0d0a0d0a
                            || header.size() == 1
                            || header.size() == 2 && (last4 & 0xffff) == 0x0d0a)) {
                ended = true;
                break;
            }
        }
        List<HeaderField> fields = tooLarge ? List.of() : fields(header.toString(StandardCharsets.ISO_8859_1));
        List<SignatureField> signatures = new ArrayList<>();
        Map<BodyHash.Key, BodyHash> hashes = new LinkedHashMap<>();
        for (HeaderField f : fields) {
            if (f.is("DKIM-Signature")) {
                try {
                    DkimSignature s = DkimSignature.parse(f);
                    signatures.add(new SignatureField(f, s, null));
                    if (s.digestAlgorithm().isPresent()) {
                        hashes.computeIfAbsent(s.bodyHashKey(), BodyHash::new);
                    }
                } catch (DkimSignature.SyntaxException e) {
                    signatures.add(new SignatureField(f, null, e.getMessage()));
                }
            }
        }
        if (ended && !hashes.isEmpty()) {
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) > 0) {
                for (BodyHash h : hashes.values()) {
                    h.update(buf, 0, n);
                }
            }
        }
        Map<BodyHash.Key, byte[]> done = new LinkedHashMap<>();
        Map<BodyHash.Key, Long> lengths = new LinkedHashMap<>();
        hashes.forEach((k, h) -> {
            done.put(k, h.finish());
            lengths.put(k, h.canonicalLength());
        });
        return new ReceivedMessage(List.copyOf(fields), List.copyOf(signatures), done, lengths, tooLarge);
    }

    /** Splits a header block into fields; a line starting with SP or TAB continues the field above. */
    static List<HeaderField> fields(String block) {
        String normalised = block.replaceAll("(?<!\r)\n", "\r\n");
        List<HeaderField> out = new ArrayList<>();
        StringBuilder current = null;
        for (String line : normalised.split("\r\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && current != null) {
                current.append("\r\n").append(line);
            } else {
                add(out, current);
                current = new StringBuilder(line);
            }
        }
        add(out, current);
        return out;
    }

    private static void add(List<HeaderField> out, StringBuilder field) {
        if (field != null && field.indexOf(":") > 0) {
            out.add(HeaderField.of(field.toString()));
        }
    }
}
