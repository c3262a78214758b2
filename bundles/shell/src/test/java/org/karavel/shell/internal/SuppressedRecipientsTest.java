package org.karavel.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.suppression.Suppression;
import org.karavel.api.suppression.SuppressionQuery;
import org.karavel.testkit.InMemorySuppressionList;

class SuppressedRecipientsTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    @TempDir
    Path dir;

    private final InMemorySuppressionList list = new InMemorySuppressionList();
    private final SuppressedRecipients commands = new SuppressedRecipients(list, ZoneOffset.UTC);
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String out() {
        String s = outBytes.toString(StandardCharsets.UTF_8);
        outBytes.reset();
        return s;
    }

    private String err() {
        String s = errBytes.toString(StandardCharsets.UTF_8);
        errBytes.reset();
        return s;
    }

    @Test
    void addListRemove() {
        assertThat(commands.list(SuppressionQuery.all(), out)).isZero();
        assertThat(out()).isEqualTo("The suppression list is empty.\n");

        assertThat(commands.add("Bob@Example.com", "asked to stop", "30d", NOW, out, err))
                .isTrue();
        assertThat(out()).isEqualTo("Suppressed bob@example.com until 2027-01-06 12:00.\n");
        assertThat(commands.add("carol@example.net", "", "", NOW, out, err)).isTrue();
        assertThat(out()).isEqualTo("Suppressed carol@example.net (never expires).\n");
        assertThat(list.find("bob@example.com").orElseThrow().source()).isEqualTo("shell");

        assertThat(commands.list(SuppressionQuery.all(), out)).isEqualTo(2);
        assertThat(out())
                .isEqualTo(
                        "ADDRESS            CATEGORY            CREATED           EXPIRES           SOURCE        REASON\n"
                                + "bob@example.com    manual              2026-12-07 12:00  2027-01-06 12:00  shell         asked to stop\n"
                                + "carol@example.net  manual              2026-12-07 12:00  never             shell         \n"
                                + "-- 2 entries of 2 stored.\n");
        assertThat(commands.list(new SuppressionQuery("", "", "", 1), out)).isEqualTo(1);
        assertThat(out()).endsWith("-- 1 entry of 2 stored; more with --after bob@example.com\n");

        assertThat(commands.remove("BOB@example.com", out, err)).isTrue();
        assertThat(out()).isEqualTo("Removed bob@example.com from the suppression list.\n");
        assertThat(commands.remove("bob@example.com", out, err)).isFalse();
        assertThat(err()).isEqualTo("suppression-remove: bob@example.com is not suppressed\n");
    }

    @Test
    void badInputIsOneLineNamingTheField() {
        assertThat(commands.add("not an address", "", "", NOW, out, err)).isFalse();
        assertThat(err()).startsWith("suppression-add: address: 'not an address' is not an address");
        assertThat(commands.add("a@example.com", "", "soon", NOW, out, err)).isFalse();
        assertThat(err()).startsWith("suppression-add: expires: 'soon' is neither never");
        assertThat(list.entries).isEmpty();
    }

    @Test
    void expiriesAreDurationsOrTimes() {
        assertThat(SuppressedRecipients.expiry("never", NOW)).isNull();
        assertThat(SuppressedRecipients.expiry("12h", NOW)).isEqualTo(NOW.plus(Duration.ofHours(12)));
        assertThat(SuppressedRecipients.expiry("90m", NOW)).isEqualTo(NOW.plus(Duration.ofMinutes(90)));
        assertThat(SuppressedRecipients.expiry("2027-01-31T00:00:00Z", NOW))
                .isEqualTo(Instant.parse("2027-01-31T00:00:00Z"));
    }

    @Test
    void exportThenImportRoundTripsAndABadFileImportsNothing() throws Exception {
        list.add(new Suppression(
                "gone@example.net", "550 5.1.1, no \"such\" user", "invalid_recipient", NOW, null, "3F2A9C1B7D"));
        list.add(Suppression.manual("x@example.org", "", NOW, NOW.plus(Duration.ofDays(1)), "shell"));
        Path file = dir.resolve("export.csv");
        assertThat(commands.exportFile(file, false, out, err)).isEqualTo(2);
        assertThat(out()).isEqualTo("Exported 2 entries to " + file + ".\n");
        assertThat(Files.readString(file))
                .startsWith("address,reason,category,created,expires,source\r\n"
                        + "gone@example.net,\"550 5.1.1, no \"\"such\"\" user\",invalid_recipient,");
        assertThat(commands.exportFile(file, false, out, err)).isEqualTo(-1);
        assertThat(err()).isEqualTo("suppression-export: " + file + " exists; give --force to overwrite it\n");

        InMemorySuppressionList other = new InMemorySuppressionList();
        SuppressedRecipients into = new SuppressedRecipients(other, ZoneOffset.UTC);
        assertThat(into.importFile(file, NOW, out, err)).isEqualTo(2);
        assertThat(out()).isEqualTo("Imported 2 entries from " + file + ".\n");
        assertThat(other.entries).isEqualTo(list.entries);

        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "new@example.org\nnot-an-address\n");
        assertThat(into.importFile(bad, NOW, out, err)).isEqualTo(-1);
        assertThat(err())
                .startsWith("suppression-import: " + bad + ": line 2: address: ")
                .endsWith("; nothing imported\n");
        assertThat(other.find("new@example.org")).isEmpty();
        assertThat(into.importFile(dir.resolve("missing.csv"), NOW, out, err)).isEqualTo(-1);
        assertThat(err()).startsWith("suppression-import: cannot read ");
    }
}
