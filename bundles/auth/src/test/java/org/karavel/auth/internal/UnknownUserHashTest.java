package org.karavel.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An unknown user name costs what the costliest hash in the file costs, whatever its scheme. */
class UnknownUserHashTest {
    private static final char[] SECRET = "secret".toCharArray();

    @TempDir
    Path tmp;

    private static PasswdEntry user(String name, PasswordScheme scheme, String model) {
        return new PasswdEntry(name, scheme, scheme.hashLike(model, SECRET));
    }

    @Test
    void hashesMadeLikeAnotherHaveItsCostAndVerify() {
        for (String model : List.of(
                PasswordSchemeTest.SHA512,
                PasswordSchemeTest.SHA512_ROUNDS,
                PasswordSchemeTest.SHA256,
                PasswordSchemeTest.BCRYPT_2B,
                PasswordSchemeTest.BCRYPT_2Y,
                PasswordSchemeTest.ARGON2ID)) {
            PasswordScheme scheme = PasswordScheme.byPrefix(model).orElseThrow();
            String made = scheme.hashLike(model, SECRET);

            assertThat(made).as(model).isNotEqualTo(model);
            assertThat(scheme.isWellFormed(made)).as(made).isTrue();
            assertThat(scheme.cost(made)).as(model).isEqualTo(scheme.cost(model));
            assertThat(scheme.verify(made, SECRET)).as(made).isTrue();
        }
        assertThat(PasswordScheme.SHA512_CRYPT.cost(PasswordSchemeTest.SHA512)).isEqualTo("$6$rounds=5000");
        assertThat(PasswordScheme.SHA512_CRYPT.cost(PasswordSchemeTest.SHA512_ROUNDS))
                .isEqualTo("$6$rounds=10000");
        assertThat(PasswordScheme.BLF_CRYPT.cost(PasswordSchemeTest.BCRYPT_2Y)).isEqualTo("$2y$05");
        assertThat(PasswordScheme.ARGON2ID.cost(PasswordSchemeTest.ARGON2ID))
                .startsWith("$argon2id$v=19$m=1024,t=2,p=1");
    }

    @Test
    void theCostliestKindInTheFileIsTakenAndTheDefaultWhenThereIsNone() {
        UnknownUserHash unknown = new UnknownUserHash(PasswordScheme.SHA512_CRYPT);
        assertThat(unknown.entry().scheme()).isEqualTo(PasswordScheme.SHA512_CRYPT);
        PasswdEntry sha = user("a@example.com", PasswordScheme.SHA512_CRYPT, PasswordSchemeTest.SHA512);
        PasswdEntry bcrypt =
                user("b@example.com", PasswordScheme.BLF_CRYPT, PasswordSchemeTest.BCRYPT_2Y.replace("$05$", "$11$"));
        PasswdEntry argon = user(
                "c@example.com",
                PasswordScheme.ARGON2ID,
                "$argon2id$v=19$m=32768,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$OHc9SRN0/XEiuUUihEOCXBYjZ7cbpwHqG3uM3/Rhr/w");

        PasswdEntry withBcrypt = unknown.update(List.of(sha, bcrypt, sha));
        assertThat(withBcrypt.scheme()).isEqualTo(PasswordScheme.BLF_CRYPT);
        assertThat(PasswordScheme.BLF_CRYPT.cost(withBcrypt.hash())).isEqualTo("$2y$11");
        assertThat(withBcrypt.hash()).isNotEqualTo(bcrypt.hash());
        assertThat(unknown.entry()).isSameAs(withBcrypt);

        PasswdEntry withArgon = unknown.update(List.of(sha, argon));
        assertThat(withArgon.scheme()).isEqualTo(PasswordScheme.ARGON2ID);
        assertThat(PasswordScheme.ARGON2ID.cost(withArgon.hash()))
                .isEqualTo(PasswordScheme.ARGON2ID.cost(argon.hash()));

        PasswdEntry rounds = user("d@example.com", PasswordScheme.SHA512_CRYPT, "$6$rounds=200000$saltsalt$x");
        assertThat(PasswordScheme.SHA512_CRYPT.cost(
                        unknown.update(List.of(sha, rounds)).hash()))
                .isEqualTo("$6$rounds=200000");

        assertThat(unknown.update(List.of()).scheme()).isEqualTo(PasswordScheme.SHA512_CRYPT);
        assertThat(PasswordScheme.SHA512_CRYPT.cost(unknown.entry().hash())).isEqualTo("$6$rounds=5000");
    }

    @Test
    void anUnknownNameTakesAsLongAsAWrongPasswordOfTheSlowestUser() throws Exception {
        PasswdEntry bcrypt = user(
                "slow@example.com", PasswordScheme.BLF_CRYPT, PasswordSchemeTest.BCRYPT_2Y.replace("$05$", "$11$"));
        PasswdEntry sha = user("fast@example.com", PasswordScheme.SHA512_CRYPT, PasswordSchemeTest.SHA512);
        Path file = Files.writeString(
                tmp.resolve("karavel.passwd"),
                "fast@example.com:{SHA512-CRYPT}" + sha.hash() + "\nslow@example.com:{BLF-CRYPT}" + bcrypt.hash()
                        + "\n");
        MailboxUserDirectory users = new MailboxUserDirectory(file, null, PasswordScheme.SHA512_CRYPT, Runnable::run);

        long unknown = fastest(users, "nobody@example.com");
        long slow = fastest(users, "slow@example.com");
        long fast = fastest(users, "fast@example.com");

        // bcrypt cost 11 is some 50 times SHA512-CRYPT's 5000 rounds; the unknown name is on the slow side
        assertThat(unknown)
                .as("unknown %d ns, bcrypt user %d ns, sha512 user %d ns", unknown, slow, fast)
                .isGreaterThan(slow / 2)
                .isGreaterThan(fast * 5);
    }

    /** The fastest of three wrong-password authentications, in nanoseconds. */
    private static long fastest(MailboxUserDirectory users, String name) throws Exception {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            Optional<String> r = users.authenticate(name, "wrong".toCharArray())
                    .toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            best = Math.min(best, System.nanoTime() - start);
            assertThat(r).isEmpty();
        }
        return best;
    }
}
