package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(rsa.file()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ed.file()))).isEqualTo("rw-------");
        assertThat(ed.txt()).startsWith("v=DKIM1; k=ed25519; p=").hasSize("v=DKIM1; k=ed25519; p=".length() + 44);
        assertThatThrownBy(() -> keys.generate("example.com", "2026a", "rsa", 2048)).isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> keys.generate("example.com", "a.b", "rsa", 2048)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.generate("example.com", "x", "rsa", 512)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.generate("bad domain", "x", "rsa", 2048)).isInstanceOf(IllegalArgumentException.class);

        KeyDirectory.Snapshot s = keys.rescan();
        assertThat(s.active("example.com", "rsa")).get().extracting(SigningKey::publicKey).isEqualTo(rsa.publicKey());
        assertThat(s.active("example.com", "ed25519")).get().extracting(SigningKey::publicKey).isEqualTo(ed.publicKey());
    }

    @Test
    void theGreatestSelectorSignsAndBrokenOrChangedFilesAreSeen() throws Exception {
        KeyDirectory keys = new KeyDirectory(tmp, 0, System::nanoTime);
        keys.generate("example.com", "2025", "rsa", 1024);
        SigningKey newer = keys.generate("example.com", "2026", "rsa", 1024);
        Files.writeString(tmp.resolve("example.org.sel.rsa.pem"), "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n");
        Files.writeString(tmp.resolve("readme.pem"), "ignored");

        KeyDirectory.Snapshot s = keys.keys();

        assertThat(s.active("example.com", "rsa")).get().extracting(SigningKey::selector).isEqualTo("2026");
        assertThat(s.active("example.org", "rsa")).isEmpty();
        assertThat(s.broken("example.org")).containsExactly(tmp.resolve("example.org.sel.rsa.pem"));

        // replaced by a good key (another mtime): read again
        Files.copy(newer.file(), tmp.resolve("example.org.sel.rsa.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(tmp.resolve("example.org.sel.rsa.pem"), FileTime.from(Instant.now().plusSeconds(5)));
        KeyDirectory.Snapshot after = keys.keys();
        assertThat(after.active("example.org", "rsa")).isPresent();
        assertThat(after.broken("example.org")).isEmpty();
        assertThat(after.version()).isGreaterThan(s.version());

        Files.delete(newer.file());
        assertThat(keys.keys().active("example.com", "rsa")).get().extracting(SigningKey::selector).isEqualTo("2025");
    }

    @Test
    void aKeyOthersCanReadIsStillUsedAndPkcs1IsAccepted() throws Exception {
        Path file = tmp.resolve("football.example.com.test.rsa.pem");
        Files.writeString(file, MessageSignerTest.RFC8463_RSA_PEM);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        KeyDirectory.Snapshot s = new KeyDirectory(tmp, 0, System::nanoTime).keys();

        assertThat(s.active("football.example.com", "rsa")).get().extracting(SigningKey::txt).isEqualTo(TestMessages.RSA_KEY);
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
}
