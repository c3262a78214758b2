package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.karavel.api.dkim.DkimKeys;

/** mta:dkim-keygen: one selector per key, and default selectors that differ per algorithm. */
class DkimKeygenCommandTest {
    private final PrintStream originalOut = System.out;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final StoredKeys keys = new StoredKeys();

    /** Keys as the dkim bundle keeps them: one file per (domain, selector), whatever the algorithm. */
    static final class StoredKeys implements DkimKeys {
        final List<KeyRecord> stored = new ArrayList<>();

        @Override
        public KeyRecord generate(String domain, String selector, String algorithm, int bits) throws IOException {
            for (KeyRecord k : stored) {
                if (k.domain().equals(domain) && k.selector().equalsIgnoreCase(selector)) {
                    throw new FileAlreadyExistsException(k.file());
                }
            }
            String file = "/etc/karavel/dkim/" + domain + "." + selector + "." + algorithm + ".pem";
            KeyRecord k = new KeyRecord(
                    domain,
                    selector,
                    algorithm,
                    algorithm.equals(ED25519) ? 256 : bits,
                    file,
                    selector + "._domainkey." + domain,
                    "v=DKIM1; k=" + algorithm + "; p=AAAA",
                    true);
            stored.add(k);
            return k;
        }

        @Override
        public List<KeyRecord> records(String domain) {
            return stored.stream()
                    .filter(k -> k.domain().equals(domain.toLowerCase(Locale.ROOT)))
                    .toList();
        }
    }

    @BeforeEach
    void capture() {
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
    }

    private DkimKeygenCommand command(String... words) {
        DkimKeygenCommand c = new DkimKeygenCommand();
        c.keys = keys;
        c.words = List.of(words);
        return c;
    }

    @Test
    void theDefaultSelectorsOfRsaAndEd25519DifferSoBothKeysOfAMonthCanBeMade() throws Exception {
        String month = YearMonth.now(ZoneOffset.UTC).toString().replace("-", "");

        command("example.com").execute();
        command("example.com", "--algorithm", "ed25519").execute();

        assertThat(keys.stored).extracting(DkimKeys.KeyRecord::selector).containsExactly(month + "r", month + "e");
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .contains(month + "r._domainkey.example.com. IN TXT")
                .contains(month + "e._domainkey.example.com. IN TXT");
        assertThat(DkimKeygenCommand.defaultSelector(YearMonth.of(2026, 11), "rsa"))
                .isEqualTo("202611r");
        assertThat(DkimKeygenCommand.defaultSelector(YearMonth.of(2026, 11), "ED25519"))
                .isEqualTo("202611e");
        // a selector of the old default form sorts before this month's: the new key signs
        assertThat("202611r").isGreaterThan("202611");
    }

    @Test
    void aSelectorTakenByAnyAlgorithmIsRefusedWithTheFileThatHasIt() throws Exception {
        command("example.com", "kv1").execute();

        assertThatThrownBy(() ->
                        command("example.com", "kv1", "--algorithm", "ed25519").execute())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("selector kv1 exists already for example.com")
                .hasMessageContaining("/etc/karavel/dkim/example.com.kv1.rsa.pem")
                .hasMessageContaining("choose another selector");
        assertThat(keys.stored).hasSize(1);
    }
}
