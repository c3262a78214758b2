package org.karavel.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.DsnRequest;
import org.karavel.api.queue.DsnRequest.Notify;

/** The DSN parameters (RFC 3461) as the MAIL and RCPT parsers read them. */
class DsnParametersTest {
    @Test
    void notifyIsNeverAloneOrAListOfTheOtherKeywordsEachOnce() {
        assertThat(DsnParameters.notify("NEVER")).containsExactly(Notify.NEVER);
        assertThat(DsnParameters.notify("delay,Success")).containsExactlyInAnyOrder(Notify.DELAY, Notify.SUCCESS);
        assertThat(DsnParameters.notify("SUCCESS,FAILURE,DELAY")).hasSize(3);
        for (String bad : new String[] {"", "NEVER,SUCCESS", "SUCCESS,SUCCESS", "SUCCESS,", ",SUCCESS", "ALWAYS"}) {
            assertThat(DsnParameters.notify(bad)).as(bad).isNull();
        }
        assertThat(DsnParameters.notify(null)).isNull();
    }

    @Test
    void orcptIsAnAddressTypeAndXtextKeptDecoded() {
        assertThat(DsnParameters.orcpt("rfc822;bob+2Bx@example.org", false)).isEqualTo("rfc822;bob+x@example.org");
        assertThat(DsnParameters.orcpt("RFC822;bob@example.org", false)).isEqualTo("RFC822;bob@example.org");
        assertThat(DsnParameters.orcpt("utf-8;j\\x{F6}rg@example.org", false)).isEqualTo("utf-8;jörg@example.org");
        assertThat(DsnParameters.orcpt("utf-8;jörg@example.org", true)).isEqualTo("utf-8;jörg@example.org");
        assertThat(DsnParameters.orcpt("utf-8;jörg@example.org", false)).isNull();
        assertThat(DsnParameters.orcpt("rfc822;jörg@example.org", true))
                .as("xtext is ASCII")
                .isNull();
        assertThat(DsnParameters.orcpt("bob@example.org", false)).isNull();
        assertThat(DsnParameters.orcpt(";bob@example.org", false)).isNull();
        assertThat(DsnParameters.orcpt("rfc822;", false)).isNull();
        assertThat(DsnParameters.orcpt("rfc 822;b@example.org", false)).isNull();
        assertThat(DsnParameters.orcpt("rfc822;" + "x".repeat(493), false)).isNotNull();
        assertThat(DsnParameters.orcpt("rfc822;" + "x".repeat(494), false))
                .as("over 500")
                .isNull();
    }

    @Test
    void envidIsXtextOfAtMostAHundredCharacters() {
        assertThat(DsnParameters.envid("QQ314159+2B1")).isEqualTo("QQ314159+1");
        assertThat(DsnParameters.envid("x".repeat(100))).isNotNull();
        assertThat(DsnParameters.envid("x".repeat(101))).isNull();
        assertThat(DsnParameters.envid("")).isNull();
        assertThat(DsnParameters.envid(null)).isNull();
        assertThat(DsnParameters.envid("a+0A")).isNull();
    }

    @Test
    void rcptParametersGiveTheRequestOrTheReplyNamingTheParameter() {
        DsnParameters.Rcpt ok = DsnParameters.rcpt(List.of("NOTIFY=SUCCESS", "ORCPT=rfc822;a@b.example"), true, false);
        assertThat(ok.refusal()).isNull();
        assertThat(ok.request()).isEqualTo(new DsnRequest(EnumSet.of(Notify.SUCCESS), "rfc822;a@b.example"));
        assertThat(DsnParameters.rcpt(List.of(), true, false).request()).isEqualTo(DsnRequest.NONE);
        assertThat(reply(List.of("NOTIFY=NEVER,DELAY"), true)).isEqualTo("501 5.5.4 Bad NOTIFY parameter");
        assertThat(reply(List.of("ORCPT=x"), true)).isEqualTo("501 5.5.4 Bad ORCPT parameter");
        assertThat(reply(List.of("NOTIFY=DELAY", "notify=DELAY"), true))
                .isEqualTo("501 5.5.4 Duplicate parameter NOTIFY");
        assertThat(reply(List.of("XFOO=1"), true)).isEqualTo("555 5.5.4 Unsupported parameter XFOO");
        assertThat(reply(List.of("NOTIFY=DELAY"), false)).isEqualTo("555 5.5.4 Unsupported parameter NOTIFY (no EHLO)");
    }

    @Test
    void mailTakesRetAndEnvid() {
        CommandSyntax.Mail m = CommandSyntax.mail("FROM:<a@example.com> ret=full ENVID=e+2B1", true, 1000);
        assertThat(m.refusal()).isNull();
        assertThat(m.parameters()).isEqualTo(Map.of("RET", "FULL", "ENVID", "e+1"));
        assertThat(CommandSyntax.mail("FROM:<a@example.com> RET=ALL", true, 1000)
                        .refusal()
                        .toString())
                .startsWith("501 5.5.4 Bad RET parameter");
    }

    private static String reply(List<String> params, boolean extended) {
        return DsnParameters.rcpt(params, extended, false).refusal().toString().strip();
    }
}
