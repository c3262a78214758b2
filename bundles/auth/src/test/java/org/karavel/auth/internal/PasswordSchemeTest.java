package org.karavel.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Every scheme against hashes made by independent tools, so that a bug shared by our hashing and
 * our verification cannot hide. All fixtures hash the password "secret".
 */
class PasswordSchemeTest {
    /** {@code openssl passwd -6 -salt saltsalt secret} (OpenSSL 3, on the build machine). */
    static final String SHA512 =
            "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1";
    /** python3 {@code crypt.crypt('secret', '$6$rounds=10000$saltsalt')} (glibc / libxcrypt). */
    static final String SHA512_ROUNDS =
            "$6$rounds=10000$saltsalt$WowrPBpEDVlCoruBosYlrZycTCx3//TyDHYqEhX9DUHHt0XTztUqzQDDUuvUGRA8aUe9p55hcAxeGcu58sm3u.";
    /** {@code openssl passwd -5 -salt saltsalt secret}. */
    static final String SHA256 = "$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA";
    /** python3 {@code crypt.crypt('secret', '$2b$05$abcdefghijklmnopqrstuu')} (libxcrypt bcrypt). */
    static final String BCRYPT_2B = "$2b$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a";
    /** python3 {@code crypt.crypt('secret', '$2y$05$abcdefghijklmnopqrstuu')} (libxcrypt bcrypt). */
    static final String BCRYPT_2Y = "$2y$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a";
    /** {@code echo -n secret | argon2 somesaltsomesalt -id -t 2 -m 10 -p 1 -l 32 -e} (Debian package argon2, the reference implementation). */
    static final String ARGON2ID =
            "$argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$OHc9SRN0/XEiuUUihEOCXBYjZ7cbpwHqG3uM3/Rhr/w";

    @Test
    void sha512CryptKnownVectors() {
        assertThat(PasswordScheme.SHA512_CRYPT.isWellFormed(SHA512)).isTrue();
        assertThat(PasswordScheme.SHA512_CRYPT.verify(SHA512, "secret".toCharArray()))
                .isTrue();
        assertThat(PasswordScheme.SHA512_CRYPT.verify(SHA512, "Secret".toCharArray()))
                .isFalse();
        assertThat(PasswordScheme.SHA512_CRYPT.verify(SHA512_ROUNDS, "secret".toCharArray()))
                .isTrue();
        assertThat(PasswordScheme.SHA512_CRYPT.verify(SHA512_ROUNDS, "secre".toCharArray()))
                .isFalse();
    }

    @Test
    void sha256CryptKnownVector() {
        assertThat(PasswordScheme.SHA256_CRYPT.isWellFormed(SHA256)).isTrue();
        assertThat(PasswordScheme.SHA256_CRYPT.verify(SHA256, "secret".toCharArray()))
                .isTrue();
        assertThat(PasswordScheme.SHA256_CRYPT.verify(SHA256, "secret ".toCharArray()))
                .isFalse();
    }

    @Test
    void bcryptKnownVectors() {
        for (String h : new String[] {BCRYPT_2B, BCRYPT_2Y}) {
            assertThat(PasswordScheme.byPrefix(h)).contains(PasswordScheme.BLF_CRYPT);
            assertThat(PasswordScheme.BLF_CRYPT.isWellFormed(h)).isTrue();
            assertThat(PasswordScheme.BLF_CRYPT.verify(h, "secret".toCharArray()))
                    .isTrue();
            assertThat(PasswordScheme.BLF_CRYPT.verify(h, "wrong".toCharArray()))
                    .isFalse();
        }
    }

    @Test
    void argon2idKnownVector() {
        assertThat(PasswordScheme.ARGON2ID.isWellFormed(ARGON2ID)).isTrue();
        assertThat(PasswordScheme.ARGON2ID.verify(ARGON2ID, "secret".toCharArray()))
                .isTrue();
        assertThat(PasswordScheme.ARGON2ID.verify(ARGON2ID, "secreT".toCharArray()))
                .isFalse();
    }

    @Test
    void malformedHashesAreRefused() {
        assertThat(PasswordScheme.SHA512_CRYPT.isWellFormed("$6$saltsalt$short"))
                .isFalse();
        assertThat(PasswordScheme.BLF_CRYPT.isWellFormed("$2y$05$tooshort")).isFalse();
        assertThat(PasswordScheme.ARGON2ID.isWellFormed("$argon2id$v=19$m=1024,t=2$c29tZQ$AAAA"))
                .isFalse();
        // absurd memory cost: one line must not be able to exhaust the heap
        assertThat(
                        PasswordScheme.ARGON2ID.isWellFormed(
                                "$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$OHc9SRN0/XEiuUUihEOCXBYjZ7cbpwHqG3uM3/Rhr/w"))
                .isFalse();
        assertThat(PasswordScheme.SHA512_CRYPT.verify("garbage", "secret".toCharArray()))
                .isFalse();
    }

    @Test
    void newHashesRoundTripInEveryScheme() {
        for (PasswordScheme s : PasswordScheme.values()) {
            if (s == PasswordScheme.ARGON2ID) {
                continue; // 64 MiB per hash: covered by the known vector and the fixed-cost check below
            }
            String h = s.hash("pässword".toCharArray());
            assertThat(s.isWellFormed(h)).as(s.name()).isTrue();
            assertThat(s.verify(h, "pässword".toCharArray())).as(s.name()).isTrue();
            assertThat(s.verify(h, "password".toCharArray())).as(s.name()).isFalse();
            assertThat(s.hash("pässword".toCharArray())).as("fresh salt").isNotEqualTo(h);
        }
        assertThat(PasswordScheme.SHA512_CRYPT.hash("x".toCharArray()))
                .startsWith("$6$")
                .doesNotContain("rounds=");
        PasswordScheme.Argon2Hash cheap =
                PasswordScheme.Argon2Hash.parse(ARGON2ID).orElseThrow();
        assertThat(cheap.withHash(cheap.compute("secret".toCharArray())).toString())
                .isEqualTo(ARGON2ID);
    }
}
