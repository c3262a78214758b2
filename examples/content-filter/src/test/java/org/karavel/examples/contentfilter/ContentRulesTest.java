package org.karavel.examples.contentfilter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ContentRulesTest {
    private static final String[] EXE = {"exe, scr", "js"};

    private static ContentRules rules(String[] subjects, String[] bodies, String[] extensions) {
        return new ContentRules(subjects, bodies, extensions, 1024 * 1024);
    }

    private static Optional<String> scan(ContentRules r, String message) throws Exception {
        return r.checkContent(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void subjectPatternsMatchCaseInsensitively() {
        ContentRules r = rules(new String[] {"viagra", "\\bcasino\\b"}, new String[0], new String[0]);
        assertThat(r.checkSubject(List.of("Cheap VIAGRA now"))).contains("subject matches /viagra/");
        assertThat(r.checkSubject(List.of("Online Casino bonus"))).contains("subject matches /\\bcasino\\b/");
        assertThat(r.checkSubject(List.of("Meeting at ten"))).isEmpty();
        assertThat(r.checkSubject(List.of())).isEmpty();
    }

    @Test
    void bodyPatternsMatchAnyLine() throws Exception {
        ContentRules r = rules(new String[0], new String[] {"wire transfer.*urgent"}, new String[0]);
        assertThat(scan(r, "Subject: hi\r\n\r\nPlease make a WIRE TRANSFER, it is urgent\r\n"))
                .contains("body matches /wire transfer.*urgent/");
        assertThat(scan(r, "Subject: hi\r\n\r\nlunch?\r\n")).isEmpty();
    }

    @Test
    void executableAttachmentsAreFoundByNameOrFilename() throws Exception {
        ContentRules r = rules(new String[0], new String[0], EXE);
        String part =
                "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n";
        assertThat(
                        scan(
                                r,
                                part
                                        + "Content-Type: application/octet-stream; name=\"invoice.pdf.EXE\"\r\n\r\nAAAA\r\n--b--\r\n"))
                .contains("attachment type .exe not allowed");
        assertThat(scan(r, part + "Content-Disposition: attachment;\r\n filename=run.js\r\n\r\nAAAA\r\n--b--\r\n"))
                .contains("attachment type .js not allowed");
        assertThat(scan(r, part + "Content-Disposition: attachment; filename*=UTF-8''screen.scr\r\n\r\nAA\r\n"))
                .contains("attachment type .scr not allowed");
        assertThat(scan(r, part + "Content-Disposition: attachment; filename=\"report.pdf\"\r\n\r\nAAAA\r\n--b--\r\n"))
                .isEmpty();
    }

    @Test
    void contentBeyondTheScanLimitIsNotRead() throws Exception {
        ContentRules r = new ContentRules(new String[0], new String[] {"needle"}, new String[0], 100);
        assertThat(scan(r, "x\r\n".repeat(20) + "needle\r\n")).contains("body matches /needle/");
        assertThat(scan(r, "x\r\n".repeat(200) + "needle\r\n")).isEmpty();
    }

    @Test
    void aBrokenPatternIsReportedAndLeftOut() {
        ContentRules r = rules(new String[] {"(unclosed", "ok"}, new String[0], new String[0]);
        assertThat(r.problems()).singleElement().asString().startsWith("subject_patterns: ignoring '(unclosed'");
        assertThat(r.checkSubject(List.of("ok then"))).isPresent();
        assertThat(r.scansContent()).isFalse();
    }
}
