package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.testkit.LogCapture;

class KeyDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void generatesPrivateFilesInAPrivateDirectoryAndNeverOverwrites() throws Exception {
        Path dir = tmp.resolve("dkim");
        KeyDirectory keys = new KeyDirectory(dir, 0, System::nanoTime);

        SigningKey rsa = keys.generate("Example.COM", "2026a", "rsa", 0);
        SigningKey ed = keys.generate("example.com", "2026e", "ed25519", 0);

        assertThat(rsa.file()).isEqualTo(dir.resolve("example.com.2026a.rsa.pem"));
        assertThat(rsa.bits()).isEqualTo(2048);
        assertThat(Files.readString(rsa.file())).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(rsa.file())))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ed.file())))
                .isEqualTo("rw-------");
        assertThat(ed.txt()).startsWith("v=DKIM1; k=ed25519; p=").hasSize("v=DKIM1; k=ed25519; p=".length() + 44);
        assertThatThrownBy(() -> keys.generate("example.com", "2026a", "rsa", 2048))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> keys.generate("example.com", "a.b", "rsa", 2048))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.generate("example.com", "x", "rsa", 512))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.generate("bad domain", "x", "rsa", 2048))
                .isInstanceOf(IllegalArgumentException.class);

        KeyDirectory.Snapshot s = keys.rescan();
        assertThat(s.active("example.com", "rsa"))
                .get()
                .extracting(SigningKey::publicKey)
                .isEqualTo(rsa.publicKey());
        assertThat(s.active("example.com", "ed25519"))
                .get()
                .extracting(SigningKey::publicKey)
                .isEqualTo(ed.publicKey());
    }

    @Test
    void theGreatestSelectorSignsAndBrokenOrChangedFilesAreSeen() throws Exception {
        KeyDirectory keys = new KeyDirectory(tmp, 0, System::nanoTime);
        keys.generate("example.com", "2025", "rsa", 1024);
        SigningKey newer = keys.generate("example.com", "2026", "rsa", 1024);
        Files.writeString(
                tmp.resolve("example.org.sel.rsa.pem"),
                "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n");
        Files.writeString(tmp.resolve("readme.pem"), "ignored");

        KeyDirectory.Snapshot s = keys.keys();

        assertThat(s.active("example.com", "rsa"))
                .get()
                .extracting(SigningKey::selector)
                .isEqualTo("2026");
        assertThat(s.active("example.org", "rsa")).isEmpty();
        assertThat(s.broken("example.org")).containsExactly(tmp.resolve("example.org.sel.rsa.pem"));

        // replaced by a good key (another mtime): read again
        Files.copy(newer.file(), tmp.resolve("example.org.sel.rsa.pem"), StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(
                tmp.resolve("example.org.sel.rsa.pem"),
                FileTime.from(Instant.now().plusSeconds(5)));
        KeyDirectory.Snapshot after = keys.keys();
        assertThat(after.active("example.org", "rsa")).isPresent();
        assertThat(after.broken("example.org")).isEmpty();
        assertThat(after.version()).isGreaterThan(s.version());

        Files.delete(newer.file());
        assertThat(keys.keys().active("example.com", "rsa"))
                .get()
                .extracting(SigningKey::selector)
                .isEqualTo("2025");
    }

    @Test
    void aKeyOthersCanReadIsStillUsedAndPkcs1IsAccepted() throws Exception {
        Path file = tmp.resolve("football.example.com.test.rsa.pem");
        Files.writeString(file, MessageSignerTest.RFC8463_RSA_PEM);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        KeyDirectory.Snapshot s = new KeyDirectory(tmp, 0, System::nanoTime).keys();

        assertThat(s.active("football.example.com", "rsa"))
                .get()
                .extracting(SigningKey::txt)
                .isEqualTo(TestMessages.RSA_KEY);
    }

    @Test
    void theDirectoryIsListedOnlyOncePerInterval() throws Exception {
        long[] now = {0};
        KeyDirectory keys = new KeyDirectory(tmp, 1000, () -> now[0]);
        assertThat(keys.keys().byDomain()).isEmpty();
        new KeyDirectory(tmp, 0, System::nanoTime).generate("example.com", "s", "ed25519", 0);

        assertThat(keys.keys().byDomain()).isEmpty();
        now[0] = 1000;
        assertThat(keys.keys().byDomain()).containsKey("example.com");
    }

    @Test
    void aSelectorThatAnyAlgorithmUsesIsRefusedWhateverItsCase() throws Exception {
        KeyDirectory keys = new KeyDirectory(tmp, 0, System::nanoTime);
        SigningKey rsa = keys.generate("example.com", "kv1", "rsa", 1024);

        assertThatThrownBy(() -> keys.generate("example.com", "kv1", "ed25519", 0))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining(rsa.file().toString())
                .hasMessageContaining("one key per selector");
        assertThatThrownBy(() -> keys.generate("Example.com", "KV1", "ed25519", 0))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining(rsa.file().toString());
        assertThat(tmp.resolve("example.com.kv1.ed25519.pem")).doesNotExist();
        assertThat(tmp.resolve("example.com.KV1.ed25519.pem")).doesNotExist();
        // another domain, or another selector, is free
        keys.generate("example.org", "kv1", "ed25519", 0);
        keys.generate("example.com", "kv2", "ed25519", 0);
    }

    @Test
    void twoKeysUnderOneSelectorFoundOnDiskAreAWarningAtEachNewPair() throws Exception {
        KeyDirectory other = new KeyDirectory(tmp.resolve("elsewhere"), 0, System::nanoTime);
        Files.copy(other.generate("example.com", "x", "rsa", 1024).file(), tmp.resolve("example.com.kv1.rsa.pem"));
        Files.copy(other.generate("example.com", "y", "ed25519", 0).file(), tmp.resolve("example.com.kv1.ed25519.pem"));
        Files.copy(other.generate("example.com", "z", "ed25519", 0).file(), tmp.resolve("example.com.kv2.ed25519.pem"));
        KeyDirectory keys = new KeyDirectory(tmp, 0, System::nanoTime);

        String first;
        String second;
        try (LogCapture log = new LogCapture()) {
            keys.rescan();
            first = log.text();
            Files.writeString(tmp.resolve("unrelated.pem"), "changes the directory");
            keys.rescan();
            second = log.text().substring(first.length());
        }

        List<String> warnings = first.lines().filter(l -> l.contains("WARN")).toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0))
                .contains("share the selector kv1 of example.com")
                .contains("kv1._domainkey.example.com")
                .contains("example.com.kv1.rsa.pem")
                .contains("example.com.kv1.ed25519.pem");
        assertThat(second).as("warned once per pair, not at every change").doesNotContain("share the selector");
        assertThat(keys.rescan().active("example.com", "ed25519"))
                .get()
                .extracting(SigningKey::selector)
                .isEqualTo("kv2");

        Files.delete(tmp.resolve("example.com.kv1.ed25519.pem"));
        keys.rescan();
        Files.copy(tmp.resolve("example.com.kv2.ed25519.pem"), tmp.resolve("example.com.KV1.ed25519.pem"));
        try (LogCapture log = new LogCapture()) {
            keys.rescan();
            assertThat(log.text())
                    .as("selectors are DNS names: case does not count")
                    .contains("share the selector")
                    .contains("kv1._domainkey.example.com");
        }
    }
}
