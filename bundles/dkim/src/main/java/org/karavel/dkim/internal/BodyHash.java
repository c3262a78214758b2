package org.karavel.dkim.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The body hash of a DKIM signature (bh=, RFC 6376 §3.7): the canonicalized body, cut to the l=
 * length if one is given, through the signature's hash. Fed as the body streams by.
 */
public final class BodyHash {
    /** What a body hash depends on; signatures with equal keys share one computation. */
    public record Key(Canonicalization canonicalization, String digestAlgorithm, long length) {
        public Key {
            Objects.requireNonNull(canonicalization, "canonicalization");
            Objects.requireNonNull(digestAlgorithm, "digestAlgorithm");
        }
    }

    private final MessageDigest digest;
    private final BodyCanonicalizer canonicalizer;
    private final long limit;
    private long hashed;
    private long canonical;
    private byte[] result;

    /**
     * @param digestAlgorithm a JDK digest name, {@code SHA-256} or {@code SHA-1}
     * @param length the l= tag, or -1 for the whole body
     */
    public BodyHash(Canonicalization canonicalization, String digestAlgorithm, long length) {
        try {
            digest = MessageDigest.getInstance(digestAlgorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("no digest " + digestAlgorithm, e);
        }
        limit = length < 0 ? Long.MAX_VALUE : length;
        canonicalizer = canonicalization.body(this::hash);
    }

    public BodyHash(Key key) {
        this(key.canonicalization(), key.digestAlgorithm(), key.length());
    }

    private void hash(byte[] data, int offset, int length) {
        canonical += length;
        long room = limit - hashed;
        int n = (int) Math.min(room, length);
        if (n > 0) {
            digest.update(data, offset, n);
            hashed += n;
        }
    }

    public void update(byte[] data, int offset, int length) {
        canonicalizer.update(data, offset, length);
    }

    /** Ends the body and gives the hash; may be called again for the same result. */
    public byte[] finish() {
        if (result == null) {
            canonicalizer.finish();
            result = digest.digest();
        }
        return result.clone();
    }

    /** How many canonical octets the body has, hashed or not (more than l= when content follows the signed part). */
    public long canonicalLength() {
        return canonical;
    }

    /** How many canonical octets were hashed (at most the l= length). */
    public long hashedLength() {
        return hashed;
    }
}
