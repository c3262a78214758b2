package org.karavel.auth.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import org.apache.commons.codec.digest.Sha2Crypt;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * The password hash schemes of Dovecot's passwd-file that we accept, each able to verify a password
 * against a stored hash and (for new passwords) to make one. Every comparison is constant-time.
 */
public enum PasswordScheme {
    SHA512_CRYPT("SHA512-CRYPT", "$6$"),
    SHA256_CRYPT("SHA256-CRYPT", "$5$"),
    BLF_CRYPT("BLF-CRYPT", "$2a$", "$2b$", "$2y$"),
    ARGON2ID("ARGON2ID", "$argon2id$");

    private static final String CRYPT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String dovecotName;
    private final String[] prefixes;

    PasswordScheme(String dovecotName, String... prefixes) {
        this.dovecotName = dovecotName;
        this.prefixes = prefixes;
    }

    /** The name Dovecot writes in braces, e.g. {@code SHA512-CRYPT}. */
    public String dovecotName() {
        return dovecotName;
    }

    /** The scheme of a Dovecot name (case-insensitive; {@code BLF-CRYPT}, {@code SHA512-CRYPT}, ...). */
    public static Optional<PasswordScheme> byName(String name) {
        for (PasswordScheme s : values()) {
            if (s.dovecotName.equalsIgnoreCase(name.trim())) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The scheme a bare crypt(3)-style hash belongs to, recognised by its {@code $id$} prefix. */
    public static Optional<PasswordScheme> byPrefix(String hash) {
        for (PasswordScheme s : values()) {
            if (s.matchesPrefix(hash)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    boolean matchesPrefix(String hash) {
        for (String p : prefixes) {
            if (hash.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the password matches the stored hash. A hash this scheme cannot read counts as no
     * match (the file parser refuses such lines, so this is a second line of defence).
     */
    public boolean verify(String hash, char[] password) {
        try {
            switch (this) {
                case SHA512_CRYPT:
                case SHA256_CRYPT:
                    return verifySha2(hash, password);
                case BLF_CRYPT:
                    // OpenBSDBCrypt compares in constant time itself
                    return OpenBSDBCrypt.checkPassword(hash, password);
                case ARGON2ID:
                    return verifyArgon2(hash, password);
                default:
                    return false;
            }
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether the hash is well-formed for this scheme (checked when the file is read). */
    public boolean isWellFormed(String hash) {
        if (!matchesPrefix(hash)) {
            return false;
        }
        switch (this) {
            case SHA512_CRYPT:
                return hash.matches("\\$6\\$(rounds=\\d+\\$)?[./0-9A-Za-z]{1,16}\\$[./0-9A-Za-z]{86}");
            case SHA256_CRYPT:
                return hash.matches("\\$5\\$(rounds=\\d+\\$)?[./0-9A-Za-z]{1,16}\\$[./0-9A-Za-z]{43}");
            case BLF_CRYPT:
                return hash.matches("\\$2[aby]\\$\\d\\d\\$[./0-9A-Za-z]{53}");
            case ARGON2ID:
                return Argon2Hash.parse(hash).isPresent();
            default:
                return false;
        }
    }

    /** A new hash of the password with a fresh random salt, in this scheme's usual cost. */
    public String hash(char[] password) {
        switch (this) {
            case SHA512_CRYPT: {
                byte[] key = utf8(password);
                try {
                    // rounds 5000 (the default, left implicit) as Dovecot's doveadm pw does
                    return Sha2Crypt.sha512Crypt(key, "$6$" + cryptSalt(16));
                } finally {
                    Arrays.fill(key, (byte) 0);
                }
            }
            case SHA256_CRYPT: {
                byte[] key = utf8(password);
                try {
                    return Sha2Crypt.sha256Crypt(key, "$5$" + cryptSalt(16));
                } finally {
                    Arrays.fill(key, (byte) 0);
                }
            }
            case BLF_CRYPT: {
                byte[] salt = new byte[16];
                RANDOM.nextBytes(salt);
                return OpenBSDBCrypt.generate("2y", password, salt, 10);
            }
            case ARGON2ID: {
                byte[] salt = new byte[16];
                RANDOM.nextBytes(salt);
                Argon2Hash h = new Argon2Hash(19, 65536, 3, 1, salt, new byte[32]);
                return h.withHash(h.compute(password)).toString();
            }
            default:
                throw new IllegalStateException(name());
        }
    }

    /**
     * What a hash costs to verify, without its salt and digest: {@code $6$rounds=5000},
     * {@code $2y$12}, {@code $argon2id$v=19$m=65536,t=3,p=1}. Hashes of one cost take the same time.
     */
    String cost(String hash) {
        switch (this) {
            case SHA512_CRYPT:
            case SHA256_CRYPT: {
                String prefix = hash.substring(0, 3);
                String rest = hash.substring(3);
                return prefix + (rest.startsWith("rounds=") ? rest.substring(0, rest.indexOf('$')) : "rounds=5000");
            }
            case BLF_CRYPT:
                return hash.substring(0, 6);
            case ARGON2ID: {
                Argon2Hash h =
                        Argon2Hash.parse(hash).orElseThrow(() -> new IllegalArgumentException("not an argon2id hash"));
                return "$argon2id$v=" + h.version + "$m=" + h.memoryKb + ",t=" + h.iterations + ",p=" + h.parallelism
                        + ",salt=" + h.salt.length + ",out=" + h.hash.length;
            }
            default:
                throw new IllegalStateException(name());
        }
    }

    /**
     * A new hash of the password with the cost of the given one (rounds, bcrypt cost, argon2
     * memory, iterations and lengths) and a fresh salt: it takes as long to verify.
     */
    String hashLike(String model, char[] password) {
        switch (this) {
            case SHA512_CRYPT:
            case SHA256_CRYPT: {
                String rest = model.substring(3);
                String rounds = rest.startsWith("rounds=") ? rest.substring(0, rest.indexOf('$') + 1) : "";
                byte[] key = utf8(password);
                try {
                    String salt = model.substring(0, 3) + rounds + cryptSalt(16);
                    return this == SHA512_CRYPT ? Sha2Crypt.sha512Crypt(key, salt) : Sha2Crypt.sha256Crypt(key, salt);
                } finally {
                    Arrays.fill(key, (byte) 0);
                }
            }
            case BLF_CRYPT: {
                byte[] salt = new byte[16];
                RANDOM.nextBytes(salt);
                return OpenBSDBCrypt.generate(
                        model.substring(1, 3), password, salt, Integer.parseInt(model.substring(4, 6)));
            }
            case ARGON2ID: {
                Argon2Hash m =
                        Argon2Hash.parse(model).orElseThrow(() -> new IllegalArgumentException("not an argon2id hash"));
                byte[] salt = new byte[m.salt.length];
                RANDOM.nextBytes(salt);
                Argon2Hash h = new Argon2Hash(
                        m.version, m.memoryKb, m.iterations, m.parallelism, salt, new byte[m.hash.length]);
                return h.withHash(h.compute(password)).toString();
            }
            default:
                throw new IllegalStateException(name());
        }
    }

    private static boolean verifySha2(String hash, char[] password) {
        byte[] key = utf8(password);
        try {
            // the stored hash is a valid salt argument: Sha2Crypt reads "$6$rounds=N$salt" from it
            String computed =
                    hash.startsWith("$6$") ? Sha2Crypt.sha512Crypt(key, hash) : Sha2Crypt.sha256Crypt(key, hash);
            return MessageDigest.isEqual(
                    computed.getBytes(StandardCharsets.US_ASCII), hash.getBytes(StandardCharsets.US_ASCII));
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private static boolean verifyArgon2(String hash, char[] password) {
        Optional<Argon2Hash> parsed = Argon2Hash.parse(hash);
        if (parsed.isEmpty()) {
            return false;
        }
        Argon2Hash h = parsed.get();
        return MessageDigest.isEqual(h.compute(password), h.hash);
    }

    /** The password as UTF-8 without making a String of it; the caller zeroes the result. */
    static byte[] utf8(char[] password) {
        ByteBuffer buf = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        if (buf.hasArray()) {
            Arrays.fill(buf.array(), (byte) 0);
        }
        return bytes;
    }

    private static String cryptSalt(int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(CRYPT_ALPHABET.charAt(RANDOM.nextInt(CRYPT_ALPHABET.length())));
        }
        return sb.toString();
    }

    /** A PHC string {@code $argon2id$v=19$m=..,t=..,p=..$salt$hash} (base64 without padding). */
    static final class Argon2Hash {
        /** Refuse parameters that would let one bad line exhaust memory (4 GiB) or time. */
        private static final int MAX_MEMORY_KB = 4 * 1024 * 1024;

        private static final int MAX_ITERATIONS = 1000;

        final int version;
        final int memoryKb;
        final int iterations;
        final int parallelism;
        final byte[] salt;
        final byte[] hash;

        Argon2Hash(int version, int memoryKb, int iterations, int parallelism, byte[] salt, byte[] hash) {
            this.version = version;
            this.memoryKb = memoryKb;
            this.iterations = iterations;
            this.parallelism = parallelism;
            this.salt = salt;
            this.hash = hash;
        }

        static Optional<Argon2Hash> parse(String s) {
            String[] parts = s.split("\\$", -1);
            // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
            if (parts.length != 6 || !parts[0].isEmpty() || !parts[1].equals("argon2id")) {
                return Optional.empty();
            }
            try {
                if (!parts[2].startsWith("v=")) {
                    return Optional.empty();
                }
                int v = Integer.parseInt(parts[2].substring(2));
                int m = -1;
                int t = -1;
                int p = -1;
                for (String kv : parts[3].split(",")) {
                    String[] pair = kv.split("=", 2);
                    if (pair.length != 2) {
                        return Optional.empty();
                    }
                    int value = Integer.parseInt(pair[1]);
                    switch (pair[0].toLowerCase(Locale.ROOT)) {
                        case "m":
                            m = value;
                            break;
                        case "t":
                            t = value;
                            break;
                        case "p":
                            p = value;
                            break;
                        default:
                            return Optional.empty();
                    }
                }
                byte[] salt = Base64.getDecoder().decode(parts[4]);
                byte[] out = Base64.getDecoder().decode(parts[5]);
                if ((v != 19 && v != 16)
                        || m < 8
                        || m > MAX_MEMORY_KB
                        || t < 1
                        || t > MAX_ITERATIONS
                        || p < 1
                        || p > 255
                        || m < 8 * p
                        || salt.length < 8
                        || out.length < 4) {
                    return Optional.empty();
                }
                return Optional.of(new Argon2Hash(v, m, t, p, salt, out));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }

        byte[] compute(char[] password) {
            Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                    .withVersion(
                            version == 19 ? Argon2Parameters.ARGON2_VERSION_13 : Argon2Parameters.ARGON2_VERSION_10)
                    .withMemoryAsKB(memoryKb)
                    .withIterations(iterations)
                    .withParallelism(parallelism)
                    .withSalt(salt)
                    .build();
            Argon2BytesGenerator gen = new Argon2BytesGenerator();
            gen.init(params);
            byte[] out = new byte[hash.length];
            gen.generateBytes(password, out);
            return out;
        }

        Argon2Hash withHash(byte[] h) {
            return new Argon2Hash(version, memoryKb, iterations, parallelism, salt, h);
        }

        @Override
        public String toString() {
            Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
            return "$argon2id$v=" + version + "$m=" + memoryKb + ",t=" + iterations + ",p=" + parallelism + "$"
                    + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
        }
    }
}
