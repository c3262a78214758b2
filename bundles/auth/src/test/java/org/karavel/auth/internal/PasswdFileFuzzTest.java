package org.karavel.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Coverage-guided fuzzing of the passwd-file parser (Dovecot-style user:{SCHEME}hash lines). A
 * bad line is skipped with a warning, never an exception; every entry kept has a valid user
 * name under its lower-case key and a well-formed hash, and its line written back parses to the
 * same entry. Seeds in PasswdFileFuzzTestInputs/parse (file contents).
 */
class PasswdFileFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void parse(byte[] input) {
        List<String> lines = new String(input, StandardCharsets.UTF_8).lines().toList();
        Map<String, PasswdEntry> users = PasswdFile.parse(lines, "fuzz.passwd");
        for (Map.Entry<String, PasswdEntry> e : users.entrySet()) {
            PasswdEntry entry = e.getValue();
            assertThat(PasswdFile.isValidUser(entry.user())).isTrue();
            assertThat(e.getKey()).isEqualTo(PasswdFile.key(entry.user()));
            assertThat(entry.scheme().isWellFormed(entry.hash())).isTrue();
            String line = entry.user() + ":{" + entry.scheme().dovecotName() + "}" + entry.hash();
            assertThat(PasswdFile.userOf(line)).isEqualTo(entry.user());
            Map<String, PasswdEntry> again = PasswdFile.parse(List.of(line), "fuzz.passwd");
            assertThat(again).containsOnlyKeys(e.getKey());
            assertThat(again.get(e.getKey()).scheme()).isEqualTo(entry.scheme());
            assertThat(again.get(e.getKey()).hash()).isEqualTo(entry.hash());
        }
    }
}
