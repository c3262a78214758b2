package org.karavel.dkim.internal;

import java.security.interfaces.EdECPrivateKey;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * Derives the 32-octet Ed25519 public key from a private key (RFC 8032 5.1.5) with BouncyCastle,
 * because the JDK cannot and a PKCS#8 file usually holds only the private seed.
 */
final class Ed25519PublicKey {
    private Ed25519PublicKey() {}

    /** The public key's 32 octets, as the p= of an ed25519 DKIM key record carries them. */
    static byte[] of(EdECPrivateKey key) {
        byte[] seed = key.getBytes().orElseThrow(() -> new IllegalArgumentException("the Ed25519 key has no seed"));
        return fromSeed(seed);
    }

    static byte[] fromSeed(byte[] seed) {
        if (seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 seed has 32 octets, not " + seed.length);
        }
        return new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
    }
}
