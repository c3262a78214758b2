package org.karavel.api.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.karavel.api.queue.DsnRequest.Notify;

class XtextTest {
    @Test
    void xtextDecodesHexCharsAndRefusesWhatIsNotXtext() {
        assertThat(Xtext.decode("QQ314159")).isEqualTo("QQ314159");
        assertThat(Xtext.decode("a+2Bb+3Dc")).isEqualTo("a+b=c");
        assertThat(Xtext.decode("john+20smith@example.com")).isEqualTo("john smith@example.com");
        assertThat(Xtext.decode("a=b")).as("'=' must be encoded").isNull();
        assertThat(Xtext.decode("a+2")).as("truncated hexchar").isNull();
        assertThat(Xtext.decode("a+2b")).as("hex digits are upper case").isNull();
        assertThat(Xtext.decode("a+0D+0Ab")).as("control characters").isNull();
        assertThat(Xtext.decode("caf\u00e9")).as("not ASCII").isNull();
    }

    @Test
    void xtextEncodingReadsBack() {
        for (String s : new String[] {"plain", "a+b=c", "john smith@example.com", "~!\"#"}) {
            assertThat(Xtext.decode(Xtext.encode(s))).isEqualTo(s);
        }
        assertThat(Xtext.encode("a+b=c d")).isEqualTo("a+2Bb+3Dc+20d");
    }

    @Test
    void utf8AddressesOfRfc6533() {
        assertThat(Xtext.decodeUtf8Address("j\\x{F6}rg@example.com", false)).isEqualTo("jörg@example.com");
        assertThat(Xtext.decodeUtf8Address("jörg@example.com", true)).isEqualTo("jörg@example.com");
        assertThat(Xtext.decodeUtf8Address("jörg@example.com", false))
                .as("raw UTF-8 needs SMTPUTF8")
                .isNull();
        assertThat(Xtext.decodeUtf8Address("a\\x{}b", false)).isNull();
        assertThat(Xtext.decodeUtf8Address("a\\y", false)).isNull();
        assertThat(Xtext.decodeUtf8Address("a+b", false)).isNull();
        assertThat(Xtext.encodeUtf8Address("jörg@例え.jp")).isEqualTo("j\\x{F6}rg@\\x{4F8B}\\x{3048}.jp");
        assertThat(Xtext.decodeUtf8Address(Xtext.encodeUtf8Address("jörg@例え.jp"), false))
                .isEqualTo("jörg@例え.jp");
    }

    @Test
    void aDsnRequestSaysWhatTheClientAskedAndWhatThatMeans() {
        assertThat(DsnRequest.NONE.wantsFailure()).isTrue();
        assertThat(DsnRequest.NONE.wantsDelay())
                .as("Postfix's default for no NOTIFY")
                .isTrue();
        assertThat(DsnRequest.NONE.wantsSuccess()).isFalse();
        DsnRequest never = DsnRequest.ofNotify(Set.of(Notify.NEVER));
        assertThat(never.wantsFailure() || never.wantsDelay() || never.wantsSuccess())
                .isFalse();
        DsnRequest success = new DsnRequest(EnumSet.of(Notify.DELAY, Notify.SUCCESS), "rfc822;a@b.example");
        assertThat(success.wantsFailure()).isFalse();
        assertThat(success.notifyValue()).isEqualTo("SUCCESS,DELAY");
        assertThat(success.originalRecipientType()).isEqualTo("rfc822");
        assertThat(success.originalRecipientAddress()).isEqualTo("a@b.example");
        assertThatThrownBy(() -> DsnRequest.ofNotify(EnumSet.of(Notify.NEVER, Notify.SUCCESS)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
