package org.karavel.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.karavel.auth.internal.PasswordSchemeTest.ARGON2ID;
import static org.karavel.auth.internal.PasswordSchemeTest.BCRYPT_2Y;
import static org.karavel.auth.internal.PasswordSchemeTest.SHA256;
import static org.karavel.auth.internal.PasswordSchemeTest.SHA512;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.address.MailAddress;
import org.karavel.api.recipient.Alias;
import org.karavel.api.recipient.Expansion;
import org.karavel.testkit.LogCapture;

class MailboxUserDirectoryTest {
    @TempDir
    Path dir;

    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final AtomicInteger hashTasks = new AtomicInteger();
    private final Executor counting = r -> {
        hashTasks.incrementAndGet();
        pool.execute(r);
    };

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private Path passwd(String... lines) throws Exception {
        Path f = dir.resolve("karavel.passwd");
        Files.write(f, List.of(lines), StandardCharsets.UTF_8);
        return f;
    }

    private static Optional<String> auth(MailboxUserDirectory d, String user, String password) throws Exception {
        return d.authenticate(user, password.toCharArray())
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void everySchemeAuthenticatesFromTheFile() throws Exception {
        Path f = passwd(
                "# users",
                "",
                "alice@example.com:{SHA512-CRYPT}" + SHA512 + ":1000:1000::/home/alice::",
                "bob@example.com:{SHA256-CRYPT}" + SHA256,
                "carol@example.com:{BLF-CRYPT}" + BCRYPT_2Y + "::::::userdb_quota_rule=*:storage=1G",
                "dave@example.com:{ARGON2ID}" + ARGON2ID,
                "erin@example.com:" + SHA512,
                "frank@example.com:{CRYPT}" + BCRYPT_2Y);
        MailboxUserDirectory d = new MailboxUserDirectory(f, null, PasswordScheme.SHA512_CRYPT, counting);
        for (String u : List.of("alice", "bob", "carol", "dave", "erin", "frank")) {
            assertThat(auth(d, u + "@example.com", "secret")).as(u).contains(u + "@example.com");
            assertThat(auth(d, u + "@example.com", "wrong")).as(u).isEmpty();
        }
        // user names are matched without regard to case; the answer is the name as written in the file
        assertThat(auth(d, "Alice@Example.COM", "secret")).contains("alice@example.com");
        assertThat(d.list()).hasSize(6).first().isEqualTo("alice@example.com");
    }

    @Test
    void unknownUserIsRejectedAfterTheSameHashingWork() throws Exception {
        MailboxUserDirectory d = new MailboxUserDirectory(
                passwd("alice@example.com:{SHA512-CRYPT}" + SHA512), null, PasswordScheme.SHA512_CRYPT, counting);
        hashTasks.set(0);
        Optional<String> r = d.authenticate("nobody@example.com", "secret".toCharArray())
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        assertThat(r).isEmpty();
        // a hash was computed on the hashing executor, as for a known user, so timing does not reveal
        // existence (the counting executor sees every task; which thread runs a continuation is not ours to fix)
        assertThat(hashTasks.get()).isEqualTo(1);
        assertThat(auth(d, "alice@example.com", "bad")).isEmpty();
        assertThat(hashTasks.get()).isEqualTo(2);
        assertThat(d.allowedSenders("nobody@example.com")).isEmpty();
    }

    @Test
    void malformedLinesAreSkippedWithLineNumberAndNoHash() throws Exception {
        String secretLooking = "$6$saltsalt$notarealhashbutmustnotbelogged";
        Path f = passwd(
                "# header",
                "alice@example.com:{SHA512-CRYPT}" + SHA512,
                "bob@example.com:{MD5-CRYPT}$1$abc$notlogged1234",
                "no colon here",
                "carol@example.com:{SHA512-CRYPT}" + secretLooking,
                "dave@example.com:plaintextpassword",
                "erin@example.com:{SHA256-CRYPT}" + SHA256);
        MailboxUserDirectory d;
        String log;
        try (LogCapture capture = new LogCapture()) {
            d = new MailboxUserDirectory(f, null, PasswordScheme.SHA512_CRYPT, counting);
            log = capture.text();
        }
        assertThat(log)
                .contains(f + " line 3")
                .contains("MD5-CRYPT")
                .contains(f + " line 4")
                .contains(f + " line 5")
                .contains(f + " line 6")
                .doesNotContain("notlogged")
                .doesNotContain(secretLooking)
                .doesNotContain("notarealhash")
                .doesNotContain("plaintextpassword")
                .doesNotContain(SHA512)
                .doesNotContain(SHA256);
        assertThat(d.list()).containsExactly("alice@example.com", "erin@example.com");
        assertThat(auth(d, "alice@example.com", "secret")).contains("alice@example.com");
        assertThat(auth(d, "erin@example.com", "secret")).contains("erin@example.com");
        assertThat(auth(d, "dave@example.com", "plaintextpassword")).isEmpty();
    }

    @Test
    void absentFileMeansNoUsersAndOneWarning() throws Exception {
        Path f = dir.resolve("missing.passwd");
        String log;
        MailboxUserDirectory d;
        try (LogCapture capture = new LogCapture()) {
            d = new MailboxUserDirectory(f, null, PasswordScheme.SHA512_CRYPT, counting);
            d.reloadIfChanged();
            d.reloadIfChanged();
            log = capture.text();
        }
        assertThat(log.split("does not exist", -1)).hasSize(2);
        assertThat(log).contains("WARN");
        assertThat(d.list()).isEmpty();
        assertThat(auth(d, "alice@example.com", "secret")).isEmpty();
    }

    @Test
    void reloadsOnChangeAndKeepsUsersWhenTheFileCannotBeRead() throws Exception {
        Path f = passwd("alice@example.com:{SHA512-CRYPT}" + SHA512);
        MailboxUserDirectory d = new MailboxUserDirectory(f, null, PasswordScheme.SHA512_CRYPT, counting);
        assertThat(d.list()).containsExactly("alice@example.com");
        passwd("alice@example.com:{SHA512-CRYPT}" + SHA512, "bob@example.com:{SHA256-CRYPT}" + SHA256);
        d.reloadIfChanged();
        assertThat(d.list()).containsExactly("alice@example.com", "bob@example.com");
        assertThat(auth(d, "bob@example.com", "secret")).contains("bob@example.com");

        // unreadable (here: a directory where the file was): the users read before stay
        Files.delete(f);
        Files.createDirectory(f);
        d.reloadIfChanged();
        assertThat(d.list()).containsExactly("alice@example.com", "bob@example.com");
        Files.delete(f);
        d.reloadIfChanged();
        assertThat(d.list()).isEmpty();
    }

    @Test
    void addPasswdRemoveRoundTripWritesAnOwnerOnlyFile() throws Exception {
        Path f = passwd(
                "# managed by hand and by mta:user-*",
                "alice@example.com:{SHA512-CRYPT}" + SHA512 + ":1000:1000::/home/alice::");
        MailboxUserDirectory d = new MailboxUserDirectory(f, null, PasswordScheme.SHA512_CRYPT, counting);

        d.add("bob@example.com", "b0b-pass".toCharArray());
        assertThat(auth(d, "bob@example.com", "b0b-pass")).contains("bob@example.com");
        assertThat(Files.readString(f))
                .contains("bob@example.com:{SHA512-CRYPT}$6$")
                .doesNotContain("b0b-pass");
        if (Files.getFileStore(f).supportsFileAttributeView("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                    .isEqualTo("rw-------");
        }
        assertThatThrownBy(() -> d.add("BOB@example.com", "x".toCharArray()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.add("bad:user@example.com", "x".toCharArray()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.add("carol@example.com", new char[0])).isInstanceOf(IllegalArgumentException.class);

        d.setPassword("alice@example.com", "new-secret".toCharArray());
        assertThat(auth(d, "alice@example.com", "secret")).isEmpty();
        assertThat(auth(d, "alice@example.com", "new-secret")).contains("alice@example.com");
        // the comment and the other fields of the line survive
        List<String> lines = Files.readAllLines(f);
        assertThat(lines.get(0)).isEqualTo("# managed by hand and by mta:user-*");
        assertThat(lines.get(1))
                .startsWith("alice@example.com:{SHA512-CRYPT}$6$")
                .endsWith(":1000:1000::/home/alice::");
        assertThatThrownBy(() -> d.setPassword("nobody@example.com", "x".toCharArray()))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(d.remove("bob@example.com")).isTrue();
        assertThat(d.remove("bob@example.com")).isFalse();
        assertThat(d.list()).containsExactly("alice@example.com");
        assertThat(auth(d, "bob@example.com", "b0b-pass")).isEmpty();
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("karavel.passwd"); // no temp files left
        }
    }

    @Test
    void addCreatesTheFileWhenAbsent() throws Exception {
        Path f = dir.resolve("etc").resolve("karavel.passwd");
        MailboxUserDirectory d = new MailboxUserDirectory(f, null, PasswordScheme.BLF_CRYPT, counting);
        d.add("alice@example.com", "secret".toCharArray());
        assertThat(Files.readString(f)).startsWith("alice@example.com:{BLF-CRYPT}$2y$10$");
        assertThat(auth(d, "alice@example.com", "secret")).contains("alice@example.com");
    }

    @Test
    void aliasesAddSenderAddresses() throws Exception {
        Path f = passwd("alice@example.com:{SHA512-CRYPT}" + SHA512, "admin:{SHA256-CRYPT}" + SHA256);
        Path aliases = dir.resolve("aliases");
        Files.write(
                aliases,
                List.of(
                        "# sender aliases",
                        "postmaster@example.com alice@example.com",
                        "info@example.org   Alice@Example.com, admin",
                        "not-an-address alice@example.com",
                        "lonely@example.com"));
        MailboxUserDirectory d = new MailboxUserDirectory(f, aliases, PasswordScheme.SHA512_CRYPT, counting);
        assertThat(d.allowedSenders("alice@example.com"))
                .containsExactlyInAnyOrder(
                        MailAddress.parse("alice@example.com"),
                        MailAddress.parse("postmaster@example.com"),
                        MailAddress.parse("info@example.org"));
        // a user name that is not an address owns only its aliases
        assertThat(d.allowedSenders("admin")).containsExactly(MailAddress.parse("info@example.org"));
        assertThat(d.allowedSenders("ghost@example.com")).isEmpty();

        Files.write(aliases, List.of("sales@example.com alice@example.com"));
        d.reloadIfChanged();
        assertThat(d.allowedSenders("alice@example.com"))
                .containsExactlyInAnyOrder(
                        MailAddress.parse("alice@example.com"), MailAddress.parse("sales@example.com"));
    }

    @Test
    void aliasesAreAddedRemovedAndExpandedFromTheFile() throws Exception {
        Path f = passwd("alice@example.com:{SHA512-CRYPT}" + SHA512, "bob@example.com:{SHA256-CRYPT}" + SHA256);
        Path aliases = dir.resolve("karavel.aliases");
        Files.write(aliases, List.of("# kept as written", "info@example.com alice@example.com"));
        MailboxUserDirectory d = new MailboxUserDirectory(f, aliases, PasswordScheme.SHA512_CRYPT, counting, "+");
        assertThat(d.expand(MailAddress.parse("bob+x@example.com")).kind()).isEqualTo(Expansion.Kind.USER);
        assertThat(d.expand(MailAddress.parse("ghost@example.com")).kind()).isEqualTo(Expansion.Kind.UNKNOWN);

        d.add("info@example.com", List.of("bob@example.com", "alice@example.com"));
        d.add("@example.com", List.of("alice@example.com"));
        assertThat(Files.readAllLines(aliases))
                .containsExactly(
                        "# kept as written",
                        "info@example.com alice@example.com, bob@example.com",
                        "@example.com alice@example.com");
        assertThat(d.aliases())
                .containsExactly(
                        new Alias("@example.com", List.of("alice@example.com")),
                        new Alias("info@example.com", List.of("alice@example.com", "bob@example.com")));
        assertThat(d.expand(MailAddress.parse("ghost@example.com")).recipients())
                .containsExactly(MailAddress.parse("alice@example.com"));
        assertThat(d.allowedSenders("bob@example.com")).contains(MailAddress.parse("info@example.com"));

        assertThat(d.remove("info@example.com", List.of("alice@example.com"))).isTrue();
        assertThat(d.remove("info@example.com", List.of("nobody@example.com"))).isFalse();
        assertThat(d.remove("@example.com", List.of())).isTrue();
        assertThat(Files.readAllLines(aliases))
                .containsExactly("# kept as written", "info@example.com bob@example.com");
        assertThat(d.expand(MailAddress.parse("ghost@example.com")).kind()).isEqualTo(Expansion.Kind.UNKNOWN);
        assertThatThrownBy(() -> d.add("not an address", List.of("bob@example.com")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.add("x@example.com", List.of())).isInstanceOf(IllegalArgumentException.class);

        // an edit by hand is picked up by the next poll
        Files.write(aliases, List.of("help@example.com bob@example.com, partner@remote.test"));
        d.reloadIfChanged();
        assertThat(d.expand(MailAddress.parse("help@example.com")).recipients())
                .containsExactly(MailAddress.parse("bob@example.com"), MailAddress.parse("partner@remote.test"));
        MailboxUserDirectory none = new MailboxUserDirectory(f, null, PasswordScheme.SHA512_CRYPT, counting, "+");
        assertThatThrownBy(() -> none.add("x@example.com", List.of("bob@example.com")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("aliases_file");
    }

    @Test
    void concurrentAuthentications() throws Exception {
        Path f = passwd(
                "alice@example.com:{SHA512-CRYPT}" + SHA512,
                "bob@example.com:{SHA256-CRYPT}" + SHA256,
                "carol@example.com:{BLF-CRYPT}" + BCRYPT_2Y);
        MailboxUserDirectory d = new MailboxUserDirectory(f, null, PasswordScheme.SHA512_CRYPT, counting);
        List<CompletableFuture<Optional<String>>> results = new ArrayList<>();
        List<Optional<String>> expected = new ArrayList<>();
        String[] users = {"alice@example.com", "bob@example.com", "carol@example.com", "nobody@example.com"};
        for (int i = 0; i < 60; i++) {
            String u = users[i % users.length];
            boolean right = i % 3 != 0;
            results.add(d.authenticate(u, (right ? "secret" : "wrong").toCharArray())
                    .toCompletableFuture());
            expected.add(right && !u.startsWith("nobody") ? Optional.of(u) : Optional.empty());
        }
        for (int i = 0; i < results.size(); i++) {
            assertThat(results.get(i).get(30, TimeUnit.SECONDS))
                    .as("attempt " + i)
                    .isEqualTo(expected.get(i));
        }
    }
}
