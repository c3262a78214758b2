package org.karavel.rspamd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.Verdict;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterMessage;
import org.karavel.testkit.FilterSession;
import org.karavel.testkit.RspamdDaemon;

/**
 * The filter against a real Rspamd (Debian's package) started on loopback: GTUBE is refused, a
 * clean message gets its score, the forced actions of the test's multimap rules become a 451, an
 * {@code X-Spam} header or a rewritten Subject; then Rspamd is stopped and both fail modes apply.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RspamdScanTest {
    static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    private RspamdDaemon rspamd;

    @BeforeAll
    void start() throws Exception {
        rspamd = RspamdDaemon.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (rspamd != null) {
            rspamd.close();
        }
    }

    @Test
    @Order(1)
    void gtubeIsRefusedWithRspamdsMessage() throws Exception {
        RspamdComponent c = component(Map.of());
        Verdict v = scan(c, "mx", "someone@sender.test", message("Offer", GTUBE));

        assertThat(v.kind()).isEqualTo(Verdict.Kind.REJECT);
        assertThat(v.code()).isEqualTo(554);
        assertThat(v.enhancedCode()).isEqualTo("5.7.1");
        assertThat(v.text()).isEqualTo("Gtube pattern");
        assertThat(c.counters().actions("reject")).isEqualTo(1);
        assertThat(c.counters().scans()).isEqualTo(1);
    }

    @Test
    @Order(2)
    void aCleanMessageGetsItsScoreOnly() throws Exception {
        RspamdComponent c = component(Map.of());
        Verdict v = scan(c, "mx", "someone@sender.test", message("Lunch", "Lunch tomorrow at noon?"));

        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(header(v, SpamHeaders.RESULT)).matches("default: False \\[-?\\d+\\.\\d\\d / 15\\.00\\].*");
        assertThat(header(v, SpamHeaders.SPAM)).isNull();
        assertThat(c.counters().actions("no action")).isEqualTo(1);
        assertThat(c.metrics())
                .filteredOn(m -> m.name().equals("karavel_rspamd_score_count"))
                .singleElement()
                .satisfies(m -> assertThat(m.samples().get(0).value()).isEqualTo(1.0));
    }

    @Test
    @Order(3)
    void softRejectFromAMultimapRuleIsA451() throws Exception {
        RspamdComponent c = component(Map.of());
        Verdict v = scan(c, "mx", RspamdDaemon.SOFT_REJECT_SENDER, message("Hello", "Hello there"));

        assertThat(v.kind()).isEqualTo(Verdict.Kind.DEFER);
        assertThat(v.code()).isEqualTo(451);
        assertThat(v.enhancedCode()).isEqualTo("4.7.1");
        assertThat(v.text()).isEqualTo(RspamdDaemon.SOFT_REJECT_TEXT);
        assertThat(c.counters().actions("soft reject")).isEqualTo(1);
    }

    @Test
    @Order(4)
    void addHeaderMarksTheMessageAndDropsTheClientsOwnMarks() throws Exception {
        RspamdComponent c = component(Map.of());
        FilterMessage m = FilterMessage.of(
                "X-Spam: No\nX-Spamd-Result: default: False [-10.00 / 15.00]\n" + text("Cheap", "Buy now"));
        Verdict v = scan(c, "mx", RspamdDaemon.ADD_HEADER_SENDER, m);

        assertThat(v.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(header(v, SpamHeaders.SPAM)).isEqualTo("Yes");
        assertThat(header(v, SpamHeaders.RESULT)).startsWith("default: True [").contains("KARAVEL_TEST_ADD_HEADER");
        assertThat(v.removedHeaders()).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    @Order(5)
    void rewriteSubjectReplacesTheSubject() throws Exception {
        RspamdComponent c = component(Map.of());
        FilterMessage m = message("Cheap watches", "Buy now");
        Verdict v = scan(c, "mx", RspamdDaemon.REWRITE_SENDER, m);

        int subject = m.headers().stream().map(h -> h.name()).toList().indexOf("Subject");
        assertThat(header(v, SpamHeaders.SPAM)).isEqualTo("Yes");
        assertThat(header(v, "Subject")).contains("SPAM").contains("Cheap watches");
        assertThat(v.removedHeaders()).containsExactly(subject);
    }

    @Test
    @Order(6)
    void theControllerWantsItsPassword() throws Exception {
        RspamdComponent wrong = component(Map.of("url", rspamd.controllerUrl(), "password", "wrong"));
        RspamdComponent right = component(Map.of("url", rspamd.controllerUrl(), "password", "test-password"));

        assertThat(header(scan(wrong, "mx", "a@sender.test", message("Hi", "Hi")), SpamHeaders.STATUS))
                .isEqualTo("unscanned (rspamd status)");
        assertThat(header(scan(right, "mx", "a@sender.test", message("Hi", "Hi")), SpamHeaders.RESULT))
                .startsWith("default: False");
    }

    @Test
    @Order(7)
    void listenersNotConfiguredAreNotScanned() throws Exception {
        RspamdComponent c = component(Map.of());
        Verdict v = scan(c, "submission", "someone@sender.test", message("Offer", GTUBE));

        assertThat(v).isSameAs(Verdict.noOpinion());
        assertThat(c.counters().scans()).isZero();
        RspamdComponent both = component(Map.of("listeners", new String[] {"mx", "submission"}));
        assertThat(scan(both, "submission", "someone@sender.test", message("Offer", GTUBE))
                        .kind())
                .isEqualTo(Verdict.Kind.REJECT);
    }

    @Test
    @Order(100)
    void rspamdStoppedGivesTheFailMode() throws Exception {
        rspamd.stop();
        RspamdComponent open = component(Map.of());
        RspamdComponent closed = component(Map.of("fail_mode", "closed"));

        Verdict accepted = scan(open, "mx", "someone@sender.test", message("Offer", GTUBE));
        Verdict deferred = scan(closed, "mx", "someone@sender.test", message("Offer", GTUBE));

        assertThat(accepted.kind()).isEqualTo(Verdict.Kind.NO_OPINION);
        assertThat(header(accepted, SpamHeaders.STATUS)).isEqualTo("unscanned (rspamd unreachable)");
        assertThat(open.counters().failures("unreachable")).isEqualTo(1);
        assertThat(open.counters().unscannedCount("fail_open")).isEqualTo(1);
        assertThat(deferred.toString()).isEqualTo("451 4.7.1 Content scanner unavailable, try again later");
        assertThat(closed.counters().failures("unreachable")).isEqualTo(1);
        assertThat(closed.metrics())
                .filteredOn(m -> m.name().equals("karavel_rspamd_failures_total"))
                .singleElement()
                .satisfies(m -> assertThat(m.samples()).singleElement().satisfies(s -> {
                    assertThat(s.labels()).containsEntry("reason", "unreachable");
                    assertThat(s.value()).isEqualTo(1.0);
                }));
    }

    private RspamdComponent component(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>(Map.of("url", rspamd.url()));
        config.putAll(overrides);
        return new RspamdComponent(Configs.rspamd(config));
    }

    static Verdict scan(RspamdComponent c, String listener, String sender, FilterMessage message) throws Exception {
        FilterSession session =
                FilterSession.from("192.0.2.10").listener(listener).ehlo("client.sender.test");
        FilterEnvelope envelope =
                new FilterEnvelope(MailAddress.parse(sender), List.of(MailAddress.parse("user@rcpt.test")), Map.of());
        return c.endOfMessage(session, envelope, message).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    static FilterMessage message(String subject, String body) {
        return FilterMessage.of(text(subject, body));
    }

    static String text(String subject, String body) {
        return ("From: Some One <someone@sender.test>\n"
                + "To: user@rcpt.test\n"
                + "Subject: " + subject + "\n"
                + "Date: Mon, 07 Dec 2026 10:00:00 +0000\n"
                + "Message-ID: <" + Math.abs(body.hashCode()) + "@sender.test>\n"
                + "MIME-Version: 1.0\n"
                + "Content-Type: text/plain; charset=us-ascii\n"
                + "\n"
                + body + "\n");
    }

    static String header(Verdict v, String name) {
        return v.headers().stream()
                .filter(h -> h.name().equalsIgnoreCase(name))
                .map(Verdict.Header::value)
                .findFirst()
                .orElse(null);
    }
}
