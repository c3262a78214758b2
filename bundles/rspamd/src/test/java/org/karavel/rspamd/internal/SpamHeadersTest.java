package org.karavel.rspamd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.karavel.api.filter.Verdict;
import org.karavel.testkit.FilterMessage;

class SpamHeadersTest {
    @Test
    void manySymbolsStayUnderTheLineLimit() {
        List<RspamdAnswer.Symbol> symbols = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            symbols.add(new RspamdAnswer.Symbol("SYMBOL_NUMBER_" + i, 0.1));
        }
        String value =
                SpamHeaders.result(new RspamdAnswer("add header", 20, 15, symbols, Optional.empty(), Optional.empty()));

        assertThat(value)
                .startsWith("default: True [20.00 / 15.00]; SYMBOL_NUMBER_")
                .endsWith("; ...");
        assertThat(value.length()).isLessThanOrEqualTo(SpamHeaders.MAX_RESULT_LENGTH);
    }

    @Test
    void aSubjectOutsideAsciiBecomesEncodedWords() {
        String subject = "*** SPAM *** Prix très bas — ".repeat(3);

        String encoded = SpamHeaders.encoded(subject);

        assertThat(encoded).matches("(=\\?UTF-8\\?B\\?[A-Za-z0-9+/=]{1,60}\\?= ?)+");
        StringBuilder decoded = new StringBuilder();
        for (String word : encoded.split(" ")) {
            decoded.append(new String(
                    java.util.Base64.getDecoder().decode(word.substring(10, word.length() - 2)),
                    StandardCharsets.UTF_8));
        }
        assertThat(decoded.toString()).isEqualTo(subject.trim());
        assertThat(SpamHeaders.encoded("*** SPAM *** Hello\r\n")).isEqualTo("*** SPAM *** Hello");
    }

    @Test
    void replyTextIsOnePrintableLine() {
        assertThat(SpamHeaders.replyText("Spam\r\n250 OK é")).isEqualTo("Spam??250 OK ?");
        assertThat(SpamHeaders.replyText("x".repeat(500))).hasSize(200);
    }

    @Test
    void rspamdsJsonIsRead() {
        RspamdAnswer a = RspamdAnswer.parse(
                ("{\"is_skipped\":false,\"score\":7.5,\"required_score\":15.0,\"action\":\"Rewrite Subject\","
                                + "\"symbols\":{\"X\":{\"name\":\"X\",\"score\":7.5}},\"messages\":{},"
                                + "\"subject\":\"*** SPAM *** hi\"}")
                        .getBytes(StandardCharsets.UTF_8));

        assertThat(a.action()).isEqualTo("rewrite subject");
        assertThat(a.subject()).contains("*** SPAM *** hi");
        assertThat(a.smtpMessage()).isEmpty();
        assertThat(a.spam()).isTrue();
        assertThatThrownBy(() -> RspamdAnswer.parse("[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void greylistIsATemporaryRefusalAndDiscardOnlyMarks() {
        FilterMessage m = FilterMessage.of("Subject: hi\n\nbody\n");
        Verdict greylist = RspamdFilter.verdict(answer("greylist"), m, Verdict.noOpinion());
        Verdict discard = RspamdFilter.verdict(answer("discard"), m, Verdict.noOpinion());

        assertThat(greylist.toString()).isEqualTo("451 4.7.1 Try again later");
        assertThat(discard.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(discard.headers()).extracting(Verdict.Header::name).contains("X-Spam");
    }

    @Test
    void settingsAreChecked() {
        RspamdSettings s = RspamdSettings.from(Configs.rspamd(Map.of(
                "url", "http://rspamd.internal:11334/",
                "fail_mode", "fail_closed",
                "settings_ids", new String[] {"submission=outbound, bad, mx=", "relay=x y"})));
        RspamdSettings typo = RspamdSettings.from(Configs.rspamd(Map.of("fail_mode", "clsoed", "url", "ftp://x")));

        assertThat(s.checkUri()).hasToString("http://rspamd.internal:11334/checkv2");
        assertThat(s.failMode()).isEqualTo(RspamdSettings.FailMode.CLOSED);
        assertThat(s.settingsIds()).isEqualTo(Map.of("submission", "outbound", "relay", "x"));
        assertThat(typo.failMode()).isEqualTo(RspamdSettings.FailMode.OPEN);
        assertThat(typo.checkUri()).hasToString("http://127.0.0.1:11333/checkv2");
        assertThat(RspamdSettings.from(Configs.rspamd(Map.of("password", "$[secret:rspamd]")))
                        .password())
                .isEmpty();
    }

    private static RspamdAnswer answer(String action) {
        return new RspamdAnswer(action, 5, 15, List.of(), Optional.empty(), Optional.empty());
    }
}
