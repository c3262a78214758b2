package org.karavel.dkim.internal;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.EdECPrivateKey;

/**
 * Derives the 32-octet Ed25519 public key from a private key (RFC 8032 §5.1.5), because the JDK
 * cannot and a PKCS#8 file usually holds only the private seed. The arithmetic follows the RFC's
 * reference code; it is not constant-time, which is acceptable because it only runs when a key
 * record is shown to the operator, never per message.
 */
final class Ed25519PublicKey {
    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger D = BigInteger.valueOf(-121665)
            .multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
    private static final BigInteger GX =
            new BigInteger("15112221349535400772501151409588531511454012693041857206046113283949847762202");
    private static final BigInteger GY = BigInteger.valueOf(4).multiply(BigInteger.valueOf(5).modInverse(P)).mod(P);

    private Ed25519PublicKey() {}

    /** The public key's 32 octets, as the p= of an ed25519 DKIM key record carries them. */
    static byte[] of(EdECPrivateKey key) {
        byte[] seed = key.getBytes().orElseThrow(() -> new IllegalArgumentException("the Ed25519 key has no seed"));
        return fromSeed(seed);
    }

    static byte[] fromSeed(byte[] seed) {
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-512").digest(seed);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] a = new byte[32];
        System.arraycopy(h, 0, a, 0, 32);
        a[0] &= (byte) 248;
        a[31] &= 127;
        a[31] |= 64;
        BigInteger s = littleEndian(a);
        BigInteger[] point = multiply(s, new BigInteger[] {GX, GY, BigInteger.ONE, GX.multiply(GY).mod(P)});
        BigInteger zInverse = point[2].modInverse(P);
        BigInteger x = point[0].multiply(zInverse).mod(P);
        BigInteger y = point[1].multiply(zInverse).mod(P);
        BigInteger encoded = x.testBit(0) ? y.setBit(255) : y;
        byte[] big = encoded.toByteArray();
        byte[] out = new byte[32];
        for (int i = 0; i < 32 && i < big.length; i++) {
            out[i] = big[big.length - 1 - i];
        }
        return out;
    }

    private static BigInteger littleEndian(byte[] bytes) {
        byte[] big = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            big[i] = bytes[bytes.length - 1 - i];
        }
        return new BigInteger(1, big);
    }

    private static BigInteger[] multiply(BigInteger s, BigInteger[] point) {
        BigInteger[] q = {BigInteger.ZERO, BigInteger.ONE, BigInteger.ONE, BigInteger.ZERO};
        BigInteger[] p = point;
        while (s.signum() > 0) {
            if (s.testBit(0)) {
                q = add(q, p);
            }
            p = add(p, p);
            s = s.shiftRight(1);
        }
        return q;
    }

    /** Point addition in extended coordinates (X, Y, Z, T), RFC 8032 §6. */
    private static BigInteger[] add(BigInteger[] p, BigInteger[] q) {
        BigInteger a = p[1].subtract(p[0]).multiply(q[1].subtract(q[0])).mod(P);
        BigInteger b = p[1].add(p[0]).multiply(q[1].add(q[0])).mod(P);
        BigInteger c = BigInteger.TWO.multiply(p[3]).multiply(q[3]).multiply(D).mod(P);
        BigInteger d = BigInteger.TWO.multiply(p[2]).multiply(q[2]).mod(P);
        BigInteger e = b.subtract(a);
        BigInteger f = d.subtract(c);
        BigInteger g = d.add(c);
        BigInteger h = b.add(a);
        return new BigInteger[] {e.multiply(f).mod(P), g.multiply(h).mod(P), f.multiply(g).mod(P), e.multiply(h).mod(P)};
    }
}
