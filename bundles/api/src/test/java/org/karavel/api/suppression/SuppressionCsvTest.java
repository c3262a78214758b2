package org.karavel.api.suppression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuppressionCsvTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    @Test
    void writtenEntriesReadBackTheSame() throws Exception {
        List<Suppression> entries = List.of(
                new Suppression(
                        "bob@example.com",
                        "550 5.1.1 <bob@example.com>: \"no\", such user",
                        "invalid_recipient",
                        NOW,
                        NOW.plusSeconds(3600),
                        "3F2A9C1B7D"),
                Suppression.manual("carol@example.net", "", NOW, null, "shell"));
        StringWriter out = new StringWriter();
        SuppressionCsv.Writing w = SuppressionCsv.writer(out);
        entries.forEach(w);
        assertThat(w.count()).isEqualTo(2);
        assertThat(out.toString())
                .isEqualTo("address,reason,category,created,expires,source\r\n"
                        + "bob@example.com,\"550 5.1.1 <bob@example.com>: \"\"no\"\", such user\",invalid_recipient,"
                        + "2026-12-07T12:00:00Z,2026-12-07T13:00:00Z,3F2A9C1B7D\r\n"
                        + "carol@example.net,,manual,2026-12-07T12:00:00Z,,shell\r\n");
        assertThat(SuppressionCsv.read(new StringReader(out.toString()), NOW.plusSeconds(5), "import"))
                .isEqualTo(entries);
    }

    @Test
    void aBareListOfAddressesIsEnough() throws Exception {
        String csv = "# from the old system\nDave@Example.org\n\n\"erin@example.org\" , moved away\n";
        List<Suppression> read = SuppressionCsv.read(new StringReader(csv), NOW, "import");
        assertThat(read)
                .containsExactly(
                        new Suppression("dave@example.org", "", "manual", NOW, null, "import"),
                        new Suppression("erin@example.org", "moved away", "manual", NOW, null, "import"));
    }

    @Test
    void aQuotedFieldMaySpanLines() throws Exception {
        String csv = "address,reason\r\nbob@example.com,\"first line\r\nsecond line\"\r\n";
        List<Suppression> read = SuppressionCsv.read(new StringReader(csv), NOW, "import");
        assertThat(read).hasSize(1);
        assertThat(read.get(0).reason()).isEqualTo("first line second line");
    }

    @Test
    void aBadLineNamesItsNumberAndField() {
        assertThatThrownBy(() -> SuppressionCsv.read(
                        new StringReader(SuppressionCsv.HEADER + "\nok@example.com\nnot-an-address\n"), NOW, "import"))
                .hasMessageStartingWith("line 3: address: ");
        assertThatThrownBy(() ->
                        SuppressionCsv.read(new StringReader("a@example.com,r,manual,yesterday\n"), NOW, "import"))
                .hasMessageStartingWith("line 1: created: 'yesterday' is not an ISO 8601");
        assertThatThrownBy(() -> SuppressionCsv.read(new StringReader("a@example.com,1,2,,,,7\n"), NOW, "import"))
                .hasMessageStartingWith("line 1: 7 fields");
        assertThatThrownBy(() -> SuppressionCsv.read(new StringReader("a@example.com,\"open\n"), NOW, "import"))
                .hasMessageStartingWith("line 1: a quoted field is not closed");
    }
}
